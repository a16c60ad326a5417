"""Writes about people: profile, roles, affiliations and notifications."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.choices import ChangeAction
from core.services import record_change

from . import permissions
from .choices import AffiliationStatus, Role
from .models import Affiliation, Notification, User
from .tasks import send_email_to_user

MAX_MESSAGE_LENGTH = 2000


def notify(user: User, text: str, url: str = "", *, email: bool = True) -> Notification:
    """Tell a user something on the site and, after the transaction commits, by e-mail."""
    notification = Notification.objects.create(user=user, text=text[:500], url=url)
    if email and user.email:
        body = f"{text}\n\n{settings.SITE_URL}{url}\n" if url else f"{text}\n"
        subject = f"[NL Atlas] {text[:80]}"
        transaction.on_commit(
            lambda: send_email_to_user.enqueue(email=user.email, subject=subject, body=body)
        )
    return notification


def mark_notifications_read(user: User) -> int:
    return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def update_profile(user: User, *, display_name: str, preferred_language: str) -> User:
    codes = {code for code, _name in settings.LANGUAGES}
    if preferred_language and preferred_language not in codes:
        raise ValidationError({"preferred_language": _("Choose one of the offered languages.")})
    user.display_name = display_name.strip()[:150]
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "preferred_language"])
    return user


def set_role(target: User, role: str, *, by: User, reason: str = "") -> User:
    if not permissions.can_set_role(by):
        raise PermissionDenied(_("Only administrators can change roles."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        before = {"role": target.role}
        target.role = role
        target.is_staff = target.is_superuser = role == Role.ADMINISTRATOR
        target.save(update_fields=["role", "is_staff", "is_superuser"])
        record_change(
            user=by,
            action=ChangeAction.UPDATE,
            obj=target,
            before=before,
            after={"role": role},
            reason=reason,
        )
    return target


def request_affiliation(user: User, library, message: str) -> Affiliation:
    """A member asks to contribute for a library; moderators are told."""
    if not permissions.can_request_affiliation(user, library):
        raise PermissionDenied(_("You already asked to contribute for this library."))
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Tell the moderators who you are at this library.")})
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            {"message": _("Keep the message under %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH}}
        )
    try:
        with transaction.atomic():
            affiliation = Affiliation.objects.create(user=user, library=library, message=message)
            _log(affiliation, user, None, AffiliationStatus.PENDING, message)
            for moderator in moderators():
                with translation.override(moderator.preferred_language or settings.LANGUAGE_CODE):
                    notify(
                        moderator,
                        _("%(user)s asks to contribute for %(library)s")
                        % {"user": user, "library": library},
                        reverse("accounts:moderation"),
                    )
    except IntegrityError as exc:
        raise PermissionDenied(_("You already asked to contribute for this library.")) from exc
    return affiliation


def approve_affiliation(affiliation: Affiliation, *, by: User, comment: str = "") -> Affiliation:
    return _decide(affiliation, AffiliationStatus.APPROVED, by=by, comment=comment)


def reject_affiliation(affiliation: Affiliation, *, by: User, comment: str) -> Affiliation:
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Tell the member why the request is rejected.")})
    return _decide(affiliation, AffiliationStatus.REJECTED, by=by, comment=comment)


def revoke_affiliation(affiliation: Affiliation, *, by: User, comment: str) -> Affiliation:
    if not permissions.can_decide_affiliation(by, affiliation):
        raise PermissionDenied(_("Only moderators can decide on affiliations."))
    if affiliation.status != AffiliationStatus.APPROVED:
        raise ValidationError(_("Only an approved affiliation can be revoked."))
    return _decide(affiliation, AffiliationStatus.REVOKED, by=by, comment=comment, final=False)


def _decide(
    affiliation: Affiliation, status: str, *, by: User, comment: str, final: bool = True
) -> Affiliation:
    if not permissions.can_decide_affiliation(by, affiliation):
        raise PermissionDenied(_("Only moderators can decide on affiliations."))
    with transaction.atomic():
        current = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        if final and current.status != AffiliationStatus.PENDING:
            raise ValidationError(_("This request has already been decided."))
        if not final and current.status != AffiliationStatus.APPROVED:
            # Checked again under the lock: a concurrent revoke may have won.
            raise ValidationError(_("Only an approved affiliation can be revoked."))
        before = current.status
        current.status = status
        current.decided_by = by
        current.decided_at = timezone.now()
        current.comment = (comment or "").strip()[:MAX_MESSAGE_LENGTH]
        current.save()
        _log(current, by, before, status, current.comment)
        member = current.user
        with translation.override(member.preferred_language or settings.LANGUAGE_CODE):
            text = {
                AffiliationStatus.APPROVED: _("You can now contribute for %(library)s."),
                AffiliationStatus.REJECTED: _(
                    "Your request to contribute for %(library)s was not accepted."
                ),
                AffiliationStatus.REVOKED: _("You can no longer contribute for %(library)s."),
            }[status] % {"library": current.library}
            if current.comment:
                text = f"{text} {_('Comment:')} {current.comment}"
            notify(member, text, current.library.get_absolute_url())
    return current


def _log(affiliation: Affiliation, user, before: str | None, after: str, reason: str) -> None:
    record_change(
        user=user,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        obj=affiliation,
        before=None if before is None else {"status": before},
        after={"member": str(affiliation.user), "status": after},
        reason=reason,
    )


def moderators():
    return User.objects.filter(is_active=True, role__in=[Role.MODERATOR, Role.ADMINISTRATOR])
