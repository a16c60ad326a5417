"""The change log and optimistic locking, used by every app's service functions.

A service function validates, checks permission, writes and calls `record_change` inside one
transaction, so no write can escape the history whatever path it came through.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import permissions
from .actors import Actor
from .cache import forget_data_version
from .choices import ChangeAction
from .models import Change, Versioned
from .requestid import current_request_id

MAX_REASON_LENGTH = 2000


class ConflictError(Exception):
    """Someone else saved the object after the version the editor started from."""

    def __init__(self, current: Versioned, expected_version: int | None):
        super().__init__(f"{current} changed since version {expected_version}")
        self.current = current
        self.expected_version = expected_version

    def changes_since(self):
        return changes_for(self.current).filter(object_version__gt=self.expected_version or 0)


def actor_name(user) -> str:
    if user is None:
        return "system"
    if isinstance(user, Actor):
        return user.name
    return user.get_full_name() or user.get_username()


def record_change(
    *,
    user,
    action: str,
    obj: models.Model,
    before: dict | None,
    after: dict | None,
    reason: str = "",
    reverts: Change | None = None,
) -> Change:
    """Write one entry of the change log; call inside the service's transaction."""
    related = obj.related_for_history() if hasattr(obj, "related_for_history") else obj
    transaction.on_commit(forget_data_version)
    return Change.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        user_name=actor_name(user),
        request_id=current_request_id(),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        object_version=getattr(obj, "version", None),
        related_content_type=ContentType.objects.get_for_model(related),
        related_object_id=str(related.pk),
        related_repr=str(related)[:300],
        before=before,
        after=after,
        reason=reason.strip()[:MAX_REASON_LENGTH],
        reverts=reverts,
        is_public=obj.change_is_public() if hasattr(obj, "change_is_public") else True,
    )


def visible_changes(user, queryset=None):
    """The changes this user may read: moderators all, everyone else the public ones."""
    queryset = Change.objects.all() if queryset is None else queryset
    return queryset if permissions.is_moderator(user) else queryset.filter(is_public=True)


def changes_for(obj: models.Model):
    """Changes recorded for one object."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return Change.objects.filter(content_type=ct, object_id=str(obj.pk))


def history_of(obj: models.Model):
    """Changes to the object and to what belongs to it (e.g. a library and its memberships)."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return Change.objects.filter(related_content_type=ct, related_object_id=str(obj.pk))


def lock(obj: Versioned) -> Versioned:
    """Re-read the object inside the transaction, row-locked where the database supports it."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def check_version(current: Versioned, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current, expected_version)


def validate(obj: models.Model, exclude: list[str] | None = None) -> None:
    """Model validation with every field's message; raises ValidationError naming the fields."""
    obj.full_clean(exclude=exclude)


def save_edit(
    obj: Versioned,
    values: dict,
    *,
    user,
    reason: str,
    expected_version: int | None,
    action: str = ChangeAction.UPDATE,
    reverts: Change | None = None,
    prepare=None,
) -> Versioned:
    """Apply `values` to `obj` if nobody saved it since `expected_version`; log the change.

    `prepare(current, before)` may adjust the object after the values are set (for example
    to reset a fact's verification status) before it is validated and saved.
    Returns the saved object; raises ConflictError, ValidationError.
    """
    with transaction.atomic():
        current = lock(obj)
        check_version(current, expected_version)
        before = current.snapshot()
        for name, value in values.items():
            setattr(current, name, value)
        if prepare:
            prepare(current, before)
        validate(current)
        after = current.snapshot()
        if after == before:
            return current
        current.version += 1
        current.save()
        record_change(
            user=user,
            action=action,
            obj=current,
            before=_changed(before, after),
            after=_changed(after, before),
            reason=reason,
            reverts=reverts,
        )
        return current


def _changed(values: dict, other: dict) -> dict:
    """Only the keys whose values differ, so the log stays small and the diff readable."""
    return {k: v for k, v in values.items() if other.get(k) != v}


def create_object(obj: Versioned, *, user, reason: str = "") -> Versioned:
    """Validate and save a new object, and log its creation."""
    with transaction.atomic():
        validate(obj)
        obj.save()
        record_change(
            user=user,
            action=ChangeAction.CREATE,
            obj=obj,
            before=None,
            after=obj.snapshot(),
            reason=reason,
        )
        return obj


def delete_object(obj: Versioned, *, user, reason: str = "") -> None:
    with transaction.atomic():
        before = obj.snapshot()
        record_change(
            user=user,
            action=ChangeAction.DELETE,
            obj=obj,
            before=before,
            after=None,
            reason=reason,
        )
        obj.delete()


def revert_change(change: Change, *, user, reason: str) -> Versioned:
    """Put back the values a change replaced; the revert is itself a logged change.

    Refused when a later change touched the same fields, because putting the old values back
    would silently undo that later work too.
    """
    if not permissions.can_revert(user, change):
        raise PermissionDenied(_("Only moderators can revert changes."))
    if not is_revertible(change):
        raise ValidationError(_("This kind of change cannot be reverted."))
    model = change.model_class
    try:
        obj = model.objects.get(pk=change.object_id)
    except model.DoesNotExist as exc:
        raise ValidationError(_("The object of this change no longer exists.")) from exc
    current = obj.snapshot()
    overtaken = [
        model.history_label(k) for k, v in (change.after or {}).items() if current.get(k) != v
    ]
    if overtaken:
        raise ValidationError(
            _("Later changes modified %(fields)s; revert those first or edit by hand.")
            % {"fields": ", ".join(overtaken)}
        )
    return save_edit(
        obj,
        {},
        user=user,
        reason=reason or _("Revert of change #%(id)s") % {"id": change.pk},
        expected_version=obj.version,
        action=ChangeAction.REVERT,
        reverts=change,
        prepare=lambda cur, _before: cur.restore(change.before or {}),
    )


def reverted_ids(changes) -> set[int]:
    """Which of these changes a later change already reverted (one query for the page)."""
    ids = [c.pk for c in changes]
    return set(Change.objects.filter(reverts__in=ids).values_list("reverts_id", flat=True))


def is_revertible(change: Change) -> bool:
    model = change.model_class
    return (
        change.action in (ChangeAction.UPDATE, ChangeAction.VERIFY, ChangeAction.REVERT)
        and model is not None
        and issubclass(model, Versioned)
        and model.revertible_in_change_log
        and bool(change.before)
    )
