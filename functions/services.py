"""Every write to the framework, rounds and profiles: validate, check permission, write, log."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import moderators, notify
from core.services import create_object, delete_object, save_edit
from libraries.models import Library

from . import permissions
from .choices import EditionStatus, ProfileStatus, RoundStatus
from .demo import REMOVED_REASON
from .models import Answer, Area, FrameworkEdition, Item, Profile, Round
from .values import EARLIEST_YEAR, latest_year

ANSWER_FIELDS = ("value", "note", "source_url", "since")


def _require_framework_editor(user) -> None:
    if not permissions.can_edit_framework(user):
        raise PermissionDenied(_("Only moderators can edit the framework."))


# The framework ------------------------------------------------------------------------------


def create_area(data: dict, *, user, reason: str = "") -> Area:
    _require_framework_editor(user)
    return create_object(Area(**data), user=user, reason=reason)


def update_area(area: Area, data: dict, *, user, reason: str, expected_version) -> Area:
    _require_framework_editor(user)
    with transaction.atomic():
        saved = save_edit(area, data, user=user, reason=reason, expected_version=expected_version)
        if "weight" in data:
            framework_changed()
        return saved


def framework_changed() -> None:
    """An area's weight or an item's type changed: every round's similarity is computed again."""
    Round.objects.update(results_version=F("results_version") + 1)


def create_item(data: dict, *, user, reason: str = "") -> Item:
    """Add an item. Its code must be new: a retired code keeps its old meaning for ever."""
    _require_framework_editor(user)
    code = data.get("code", "")
    if Item.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is already used.") % {"code": code}})
    return create_object(Item(**data), user=user, reason=reason)


def update_item(item: Item, data: dict, *, user, reason: str, expected_version) -> Item:
    """Reword or adjust an item. Its meaning cannot change once it has answers."""
    _require_framework_editor(user)
    if "code" in data and data["code"] != item.code:
        raise ValidationError({"code": _("An item's code never changes; add a new item.")})
    answered = Answer.objects.filter(item=item)
    if data.get("answer_type", item.answer_type) != item.answer_type and answered.exists():
        raise ValidationError(
            {"answer_type": _("This item has answers: retire it and add a new item instead.")}
        )
    if "options" in data:
        removed = set(item.options) - set(data["options"] or [])
        used = _options_in_use(item, removed)
        if used:
            raise ValidationError(
                {"options": _("Options still used in answers: %(o)s.") % {"o": ", ".join(used)}}
            )
    with transaction.atomic():
        saved = save_edit(item, data, user=user, reason=reason, expected_version=expected_version)
        if {"answer_type", "area", "options"} & set(data):
            framework_changed()
        return saved


def _options_in_use(item: Item, options: set[str]) -> list[str]:
    if not options:
        return []
    stored = Answer.objects.filter(item=item).values_list("value", flat=True).distinct()
    used = {part for value in stored for part in value.split(";")}
    return sorted(options & used)


def retire_item(item: Item, *, user, reason: str, expected_version) -> Item:
    return update_item(
        item, {"retired": True}, user=user, reason=reason, expected_version=expected_version
    )


def framework_content() -> dict:
    """The current framework, as an edition freezes it."""
    items = Item.objects.filter(retired=False).select_related("area")
    areas: dict[str, dict] = {}
    for area in Area.objects.all():
        areas[area.code] = {
            "code": area.code,
            "name": area.name,
            "weight": area.weight,
            "items": [],
        }
    for item in items:
        areas[item.area.code]["items"].append(
            {
                "code": item.code,
                "text": item.text,
                "translations": dict(item.translations),
                "type": item.answer_type,
                "options": list(item.options),
                "unit": item.unit,
            }
        )
    return {"areas": [a for a in areas.values() if a["items"]]}


def publish_edition(
    code: str, title: str, *, user, notes: str = "", reason: str = ""
) -> FrameworkEdition:
    """Freeze the current framework as a new edition that rounds can ask."""
    _require_framework_editor(user)
    edition = FrameworkEdition(
        code=code,
        title=title,
        notes=notes,
        status=EditionStatus.PUBLISHED,
        published_at=timezone.now(),
        content=framework_content(),
    )
    return create_object(edition, user=user, reason=reason or notes)


# Rounds -------------------------------------------------------------------------------------


def create_round(data: dict, *, user, reason: str = "") -> Round:
    if not permissions.can_manage_rounds(user):
        raise PermissionDenied(_("Only moderators can manage rounds."))
    return create_object(Round(**data), user=user, reason=reason)


def update_round(round_: Round, data: dict, *, user, reason: str, expected_version) -> Round:
    if not permissions.can_manage_rounds(user):
        raise PermissionDenied(_("Only moderators can manage rounds."))
    if "edition" in data and data["edition"] != round_.edition and round_.profiles.exists():
        raise ValidationError(
            {"edition": _("Profiles already answer this edition; create a new round instead.")}
        )
    return save_edit(round_, data, user=user, reason=reason, expected_version=expected_version)


def results_changed(round_: Round) -> None:
    """What the round has published changed: cached similarity must be computed again."""
    Round.objects.filter(pk=round_.pk).update(results_version=F("results_version") + 1)


# Profiles -----------------------------------------------------------------------------------


def start_profile(library: Library, round_: Round, *, user, is_demo: bool = False) -> Profile:
    """The library's profile for the round, created (as a draft) on first use."""
    existing = Profile.objects.filter(library=library, round=round_).first()
    if existing and not (existing.is_demo and not is_demo):
        return existing
    if not permissions.can_start_profile(user, library, round_):
        raise PermissionDenied(_("You may not start a profile for this library in this round."))
    with transaction.atomic():
        if existing:
            # The library's own answers replace the invented ones, never mix with them.
            delete_object(existing, user=user, reason=_("Demo answers replaced"))
            results_changed(round_)
        profile = Profile(library=library, round=round_, is_demo=is_demo)
        return create_object(profile, user=user, reason=_("Profile started"))


def clean_answers(round_: Round, answers: Mapping[str, Mapping]) -> dict[str, dict | None]:
    """Validate answers keyed by item code; raise one ValidationError naming every bad item."""
    items = {i.code: i for i in Item.objects.filter(code__in=list(answers))}
    asked = set(round_.edition.item_codes())
    cleaned: dict[str, dict | None] = {}
    errors: dict[str, list[str]] = {}
    for code, raw in answers.items():
        item = items.get(code)
        if item is None or code not in asked:
            errors.setdefault(code, []).append(
                _("%(code)s: no such item in this round's framework.") % {"code": code}
            )
            continue
        try:
            cleaned[code] = _clean_answer(item, raw)
        except ValidationError as exc:
            for field, messages in _field_messages(exc).items():
                label = item.code if field == "value" else f"{item.code} {field}"
                errors.setdefault(code, []).extend(f"{label}: {m}" for m in messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _field_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"value": exc.messages}


def _clean_answer(item: Item, raw) -> dict | None:
    raw = raw or {}
    value = item.clean_value(raw.get("value"))
    if not value:
        return None
    errors = {}
    since = str(raw.get("since") or "").strip()
    if since and not (since.isdigit() and EARLIEST_YEAR <= int(since) <= latest_year()):
        errors["since"] = [
            _("The year must be between %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": latest_year()}
        ]
    source = str(raw.get("source_url") or "").strip()
    if source:
        try:
            Answer._meta.get_field("source_url").clean(source, None)
        except ValidationError as exc:
            errors["source"] = exc.messages
    note = str(raw.get("note") or "").strip()
    if len(note) > 4000:
        errors["evidence"] = [_("At most %(max)s characters.") % {"max": 4000}]
    if errors:
        raise ValidationError(errors)
    return {"value": value, "note": note, "source_url": source, "since": since}


def save_answers(
    profile: Profile,
    answers: Mapping[str, Mapping],
    *,
    user,
    reason: str = "",
    expected_version: int | None,
) -> Profile:
    """Save some of a profile's answers (an area, an import, one item): all or none."""
    if not permissions.can_edit_profile(user, profile):
        raise PermissionDenied(_("You may not edit this profile now."))
    cleaned = clean_answers(profile.round, answers)
    return save_edit(
        profile,
        {},
        user=user,
        reason=reason,
        expected_version=expected_version,
        prepare=lambda current, _before: current.set_answers(cleaned),
    )


def copy_previous_answers(profile: Profile, *, user, expected_version: int | None) -> int:
    """Fill unanswered items from the library's latest earlier profile; returns how many."""
    previous = (
        Profile.objects.filter(
            library=profile.library, round__year__lt=profile.round.year, is_demo=False
        )
        .order_by("-round__year")
        .first()
    )
    if previous is None:
        raise ValidationError(_("This library has no earlier profile to copy from."))
    asked = set(profile.round.edition.item_codes())
    have = profile.answer_map()
    copied = {
        code: answer
        for code, answer in previous.answer_map().items()
        if code in asked and code not in have
    }
    if copied:
        save_answers(
            profile,
            copied,
            user=user,
            reason=_("Copied from %(round)s") % {"round": previous.round},
            expected_version=expected_version,
        )
    return len(copied)


def submit_profile(profile: Profile, *, user, expected_version: int | None) -> Profile:
    if not permissions.can_submit_profile(user, profile):
        raise PermissionDenied(_("Only this library's contributors can submit its profile."))
    if profile.status not in (ProfileStatus.DRAFT, ProfileStatus.RETURNED):
        raise ValidationError(_("Only a draft or a profile sent back can be submitted."))
    if profile.answered == 0:
        raise ValidationError(_("Answer at least one item before submitting."))
    saved = _set_status(
        profile,
        ProfileStatus.SUBMITTED,
        user=user,
        reason=_("Submitted for review"),
        expected_version=expected_version,
        extra={"submitted_at": timezone.now()},
    )
    _notify_moderators(saved)
    return saved


def publish_profile(profile: Profile, *, user, expected_version: int | None, comment="") -> Profile:
    if not permissions.can_review_profile(user, profile):
        raise PermissionDenied(_("Only moderators can publish profiles."))
    if profile.status == ProfileStatus.PUBLISHED:
        raise ValidationError(_("This profile is already published."))
    # Saving the profile raises the round's results version (see Profile.save).
    saved = _set_status(
        profile,
        ProfileStatus.PUBLISHED,
        user=user,
        reason=_("Published"),  # the reviewer's comment goes to the contributors only
        expected_version=expected_version,
        extra={
            "published_at": timezone.now(),
            "review_comment": comment,
            "reviewed_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    _notify_contributors(saved, _("The profile of %(profile)s was published."))
    return saved


def return_profile(profile: Profile, *, user, comment: str, expected_version) -> Profile:
    """Send a submitted (or published) profile back to its contributors with a comment."""
    if not permissions.can_review_profile(user, profile):
        raise PermissionDenied(_("Only moderators can send profiles back."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    if profile.status not in (ProfileStatus.SUBMITTED, ProfileStatus.PUBLISHED):
        raise ValidationError(_("Only a submitted or published profile can be sent back."))
    saved = _set_status(
        profile,
        ProfileStatus.RETURNED,
        user=user,
        reason=comment,
        expected_version=expected_version,
        extra={"review_comment": comment.strip(), "reviewed_by": user},
    )
    _notify_contributors(saved, _("The profile of %(profile)s was sent back: %(comment)s"))
    return saved


def _set_status(profile, status, *, user, reason, expected_version, extra) -> Profile:
    return save_edit(
        profile,
        {"status": status, **extra},
        user=user,
        reason=reason,
        expected_version=expected_version,
    )


def _notify_contributors(profile: Profile, message: str) -> None:
    from accounts.models import Affiliation

    text = message % {"profile": profile, "comment": profile.review_comment}
    for affiliation in Affiliation.objects.filter(
        library=profile.library, status="approved"
    ).select_related("user"):
        notify(affiliation.user, text, url=profile.get_absolute_url())


def _notify_moderators(profile: Profile) -> None:
    text = _("%(profile)s was submitted for review.") % {"profile": profile}
    for moderator in moderators():
        notify(moderator, text, url=profile.get_absolute_url())


def delete_profile(profile: Profile, *, user, reason: str) -> None:
    if not permissions.can_delete_profile(user, profile):
        raise PermissionDenied(_("Only moderators can delete profiles."))
    with transaction.atomic():
        was_published = profile.is_published
        delete_object(profile, user=user, reason=reason)
        if was_published:
            results_changed(profile.round)


def round_is_open_for(round_: Round) -> bool:
    return round_.status == RoundStatus.OPEN


# Demo data ----------------------------------------------------------------------------------


def remove_demo_data(*, user) -> int:
    """Delete every generated demo profile (each deletion logged); returns how many."""
    if not permissions.can_manage_rounds(user):
        raise PermissionDenied(_("Only moderators can remove demo data."))
    removed = 0
    rounds = set()
    with transaction.atomic():
        for profile in Profile.objects.filter(is_demo=True).select_related("round", "library"):
            rounds.add(profile.round)
            delete_object(profile, user=user, reason=REMOVED_REASON)
            removed += 1
        for round_ in rounds:
            results_changed(round_)
    return removed
