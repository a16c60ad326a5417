"""Every write to the registry: validate, check permission, write and log, in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.choices import ChangeAction, FactStatus
from core.services import create_object, delete_object, save_edit

from . import permissions
from .models import Library, Membership, Organisation

COORDINATE_FIELDS = ("latitude", "longitude")


def fact_of(field: str) -> str:
    return "coordinates" if field in COORDINATE_FIELDS else field


def unique_slug(name: str, country_iso2: str, exclude_pk=None) -> str:
    base = slugify(f"{name}")[:100] or "library"
    candidates = [base, f"{base}-{country_iso2.lower()}"]
    candidates += [f"{base}-{country_iso2.lower()}-{n}" for n in range(2, 100)]
    taken = Library.objects.exclude(pk=exclude_pk)
    for slug in candidates:
        if not taken.filter(slug=slug).exists():
            return slug
    raise ValidationError({"name": _("Could not make a unique address for this name.")})


def create_library(data: dict, *, user, reason: str = "", facts: dict | None = None) -> Library:
    """Create a library. `facts` gives each fact's provenance (seed); default: unverified."""
    if not permissions.can_create_library(user):
        raise PermissionDenied(_("Only moderators can add libraries."))
    library = Library(**data)
    if library.country_id:
        library.slug = data.get("slug") or unique_slug(library.name, library.country_id)
    source = _("Entered on NL Atlas by %(name)s") % {"name": _user_name(user)}
    library.facts = facts or {
        fact: {"status": FactStatus.UNVERIFIED, "source": source} for fact in _present(library)
    }
    return create_object(library, user=user, reason=reason)


def update_library(
    library: Library, data: dict, *, user, reason: str, expected_version: int | None
) -> Library:
    """Edit a library's facts. Changed facts become unverified until a moderator checks them."""
    allowed = permissions.editable_fields(user, library)
    if not allowed:
        raise PermissionDenied(_("You may not edit this library."))
    forbidden = sorted(set(data) - set(allowed))
    if forbidden:
        raise PermissionDenied(
            _("You may not change: %(fields)s.") % {"fields": ", ".join(forbidden)}
        )
    require_reason(reason)
    source = _("Edited on NL Atlas by %(name)s, %(date)s") % {
        "name": _user_name(user),
        "date": timezone.now().date().isoformat(),
    }

    def mark_unverified(current: Library, before: dict) -> None:
        facts = {k: dict(v) for k, v in current.facts.items()}
        for field in data:
            fact = fact_of(field)
            if fact in Library.FACTS and current.snapshot().get(field) != before.get(field):
                facts[fact] = {"status": FactStatus.UNVERIFIED, "source": source}
        current.facts = facts

    return save_edit(
        library,
        data,
        user=user,
        reason=reason,
        expected_version=expected_version,
        prepare=mark_unverified,
    )


def verify_facts(
    library: Library,
    facts: list[str],
    *,
    user,
    reason: str,
    expected_version: int | None,
    source: str = "",
) -> Library:
    """A moderator confirms facts after checking them against a source."""
    if not permissions.can_verify_facts(user, library):
        raise PermissionDenied(_("Only moderators can verify facts."))
    unknown = sorted(set(facts) - set(Library.FACTS))
    if unknown:
        raise ValidationError({"facts": _("Unknown facts: %(f)s") % {"f": ", ".join(unknown)}})
    if not facts:
        raise ValidationError({"facts": _("Choose at least one fact to verify.")})
    note = source.strip() or _("Checked by %(name)s, %(date)s") % {
        "name": _user_name(user),
        "date": timezone.now().date().isoformat(),
    }

    def mark_verified(current: Library, _before: dict) -> None:
        updated = {k: dict(v) for k, v in current.facts.items()}
        for fact in facts:
            updated[fact] = {"status": FactStatus.VERIFIED, "source": note}
        current.facts = updated

    return save_edit(
        library,
        {},
        user=user,
        reason=reason or _("Facts verified"),
        expected_version=expected_version,
        action=ChangeAction.VERIFY,
        prepare=mark_verified,
    )


def create_organisation(data: dict, *, user, reason: str = "") -> Organisation:
    if not permissions.can_edit_organisation(user):
        raise PermissionDenied(_("Only moderators can add organisations."))
    organisation = Organisation(**data)
    if not organisation.slug:
        organisation.slug = slugify(organisation.code)
    return create_object(organisation, user=user, reason=reason)


def update_organisation(
    organisation: Organisation, data: dict, *, user, reason: str, expected_version: int | None
) -> Organisation:
    if not permissions.can_edit_organisation(user, organisation):
        raise PermissionDenied(_("Only moderators can edit organisations."))
    require_reason(reason)
    return save_edit(
        organisation, data, user=user, reason=reason, expected_version=expected_version
    )


def add_membership(
    library: Library,
    organisation: Organisation,
    *,
    user,
    status: str,
    role: str = "member",
    note: str = "",
    source: str = "",
    reason: str = "",
) -> Membership:
    if not permissions.can_manage_memberships(user, library):
        raise PermissionDenied(_("Only moderators can change memberships."))
    membership = Membership(
        library=library,
        organisation=organisation,
        status=status,
        role=role,
        note=note,
        source=source,
    )
    return create_object(membership, user=user, reason=reason)


def update_membership(
    membership: Membership, data: dict, *, user, reason: str, expected_version: int | None
) -> Membership:
    if not permissions.can_manage_memberships(user, membership.library):
        raise PermissionDenied(_("Only moderators can change memberships."))
    require_reason(reason)
    return save_edit(membership, data, user=user, reason=reason, expected_version=expected_version)


def remove_membership(membership: Membership, *, user, reason: str) -> None:
    if not permissions.can_manage_memberships(user, membership.library):
        raise PermissionDenied(_("Only moderators can change memberships."))
    require_reason(reason)
    with transaction.atomic():
        delete_object(membership, user=user, reason=reason)


def require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you make this change.")})


def _present(library: Library) -> list[str]:
    facts = [f for f in Library.FACTS if f != "coordinates" and getattr(library, f, None)]
    if library.has_coordinates:
        facts.append("coordinates")
    return facts


def _user_name(user) -> str:
    from core.services import actor_name

    return actor_name(user)
