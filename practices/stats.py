"""Figures for the impact dashboard: views and new practices per month, and a few totals.

Months are grouped with TruncMonth, so the same queries run on SQLite and PostgreSQL. Months
without any count are included (as 0) between the first and the last month asked for or found.
Generated demo practices (`is_synthetic`) are left out.
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth

from .choices import PracticeStatus
from .models import Comment, Endorsement, Practice, PracticeView


def views_per_month(
    start: datetime.date | None = None, end: datetime.date | None = None
) -> list[tuple[str, int]]:
    """("YYYY-MM", counted views) for each month from `start` to `end` (both inclusive)."""
    views = PracticeView.objects.filter(practice__is_synthetic=False)
    if start:
        views = views.filter(day__gte=_first_day(start))
    if end:
        views = views.filter(day__lt=_next_month(end))
    rows = (
        views.order_by()
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return _months(rows, start, end)


def new_practices_per_month(
    start: datetime.date | None = None, end: datetime.date | None = None
) -> list[tuple[str, int]]:
    """("YYYY-MM", practices first published that month), archived ones included."""
    practices = Practice.objects.filter(published_at__isnull=False, is_synthetic=False)
    if start:
        practices = practices.filter(published_at__date__gte=_first_day(start))
    if end:
        practices = practices.filter(published_at__date__lt=_next_month(end))
    rows = (
        practices.order_by()
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return _months(rows, start, end)


def totals() -> dict[str, int]:
    """Published and archived practices, counted views, endorsements and visible comments."""
    real = Practice.objects.filter(is_synthetic=False).order_by()
    by_status = dict(real.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {
        "published": by_status.get(PracticeStatus.PUBLISHED, 0),
        "archived": by_status.get(PracticeStatus.ARCHIVED, 0),
        "views": PracticeView.objects.filter(practice__is_synthetic=False).count(),
        "endorsements": Endorsement.objects.filter(practice__is_synthetic=False).count(),
        "comments": Comment.objects.filter(hidden=False, practice__is_synthetic=False).count(),
    }


def _first_day(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _key(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _months(rows, start, end) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for month, n in rows:
        if month is not None:
            counts[_key(month)] = counts.get(_key(month), 0) + n
    if not counts and not (start and end):
        return []
    first = _first_day(start) if start else _parse(min(counts))
    last = _first_day(end) if end else _parse(max(counts))
    months = []
    month = first
    while month <= last:
        months.append((_key(month), counts.get(_key(month), 0)))
        month = _next_month(month)
    return months


def _parse(key: str) -> datetime.date:
    year, month = key.split("-")
    return datetime.date(int(year), int(month), 1)
