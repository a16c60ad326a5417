"""Reading published answers: rounds, items and answers in a fixed number of queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from libraries.models import Library

from .choices import ProfileStatus
from .models import Answer, Area, Item, Profile, Round


def rounds():
    return Round.objects.select_related("edition")


def latest_round() -> Round | None:
    """The newest round with published profiles, else the newest round."""
    has_published = Exists(
        Profile.objects.filter(round=OuterRef("pk"), status=ProfileStatus.PUBLISHED)
    )
    return (
        rounds().annotate(has_published=has_published).order_by("-has_published", "-year").first()
    )


def chosen_round(value) -> Round | None:
    """The round named in the URL (?round=2020), or the latest; 404 for an unknown year."""
    if value in (None, ""):
        return latest_round()
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    return get_object_or_404(rounds(), year=year)


def framework_areas(round_: Round | None) -> list[tuple[Area, list[Item]]]:
    """Areas with the items a round asks (or all current items), in framework order."""
    items = Item.objects.select_related("area")
    if round_ is not None:
        items = items.filter(code__in=round_.edition.item_codes())
    else:
        items = items.filter(retired=False)
    grouped: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        grouped[item.area_id].append(item)
    return [(area, grouped[area.pk]) for area in Area.objects.all() if grouped[area.pk]]


def published_profiles(round_: Round):
    return Profile.objects.filter(round=round_, status=ProfileStatus.PUBLISHED)


def answer_counts(round_: Round | None) -> dict[int, int]:
    """How many published profiles answered each item in the round."""
    if round_ is None:
        return {}
    rows = (
        Answer.objects.filter(profile__round=round_, profile__status=ProfileStatus.PUBLISHED)
        .values("item_id")
        .annotate(n=Count("id"))
    )
    return {row["item_id"]: row["n"] for row in rows}


@dataclass
class ItemAnswer:
    library: Library
    value: str
    note: str
    source_url: str
    since: int | None
    is_demo: bool


def item_answers(round_: Round, item: Item, libraries=None) -> list[ItemAnswer]:
    """Every published library's answer to the item (value "" when not answered)."""
    profiles = published_profiles(round_).select_related("library__country__region")
    if libraries is not None:
        profiles = profiles.filter(library__in=libraries)
    answers = {
        a.profile_id: a
        for a in Answer.objects.filter(
            item=item, profile__round=round_, profile__status=ProfileStatus.PUBLISHED
        )
    }
    rows = []
    for profile in profiles.order_by("library__name"):
        answer = answers.get(profile.pk)
        rows.append(
            ItemAnswer(
                library=profile.library,
                value=answer.value if answer else "",
                note=answer.note if answer else "",
                source_url=answer.source_url if answer else "",
                since=answer.since if answer else None,
                is_demo=profile.is_demo,
            )
        )
    return rows


def value_counts(rows: list[ItemAnswer], item: Item) -> Counter:
    counts: Counter = Counter()
    for row in rows:
        if item.answer_type == "multi" and row.value not in ("", "unknown"):
            counts.update(row.value.split(";") if row.value != "none" else ["none"])
        else:
            counts[row.value] += 1
    return counts


@dataclass
class RoundAnswers:
    """All published answers of a round: {library id: {item code: value}}."""

    round: Round
    profiles: list[Profile]
    values: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def has_demo(self) -> bool:
        return any(p.is_demo for p in self.profiles)


def round_answers(round_: Round, libraries=None, *, published_only: bool = True) -> RoundAnswers:
    profiles = Profile.objects.filter(round=round_).select_related("library__country__region")
    if published_only:
        profiles = profiles.filter(status=ProfileStatus.PUBLISHED)
    if libraries is not None:
        profiles = profiles.filter(library__in=libraries)
    profiles = list(profiles.order_by("library__name"))
    by_profile = {p.pk: p.library_id for p in profiles}
    result = RoundAnswers(round_, profiles, {p.library_id: {} for p in profiles})
    answers = Answer.objects.filter(profile__round=round_).values_list(
        "profile_id", "item__code", "value"
    )
    if published_only:
        answers = answers.filter(profile__status=ProfileStatus.PUBLISHED)
    if libraries is not None:
        answers = answers.filter(profile__in=list(by_profile))
    for profile_id, code, value in answers.iterator(chunk_size=5000):
        if profile_id in by_profile:
            result.values[by_profile[profile_id]][code] = value
    return result


def participation(round_: Round):
    """Profiles of the round by status, with how complete each one is."""
    return (
        Profile.objects.filter(round=round_)
        .select_related("library__country__region")
        .order_by("library__name")
    )


def status_counts(round_: Round) -> dict[str, int]:
    rows = Profile.objects.filter(round=round_).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(ProfileStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    counts["in_progress"] = counts[ProfileStatus.DRAFT] + counts[ProfileStatus.RETURNED]
    return counts


def demo_in(round_: Round | None) -> bool:
    if round_ is None:
        return False
    return published_profiles(round_).filter(is_demo=True).exists()


def profiles_with_answer(round_: Round, item: Item, value: str):
    return published_profiles(round_).filter(Q(answers__item=item, answers__value=value))
