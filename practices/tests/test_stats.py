"""The impact dashboard's figures: counted views and newly published practices per month (empty
months included), and totals; generated demo practices are left out."""

import datetime

import pytest

from practices import services, stats
from practices.models import Comment, Endorsement, Practice, PracticeView
from practices.tests.conftest import make_content

UTC = datetime.UTC


def views(practice, *days: str, visitor: str = "v") -> None:
    for n, day in enumerate(days):
        PracticeView.objects.create(
            practice=practice, day=datetime.date.fromisoformat(day), visitor=f"{visitor}{n}"
        )


def published_on(personas, when: datetime.datetime, **content) -> Practice:
    practice = services.start_practice(make_content(**content), user=personas["alice"], reason="")
    practice = services.submit_practice(practice, user=personas["alice"], expected_version=None)
    practice = services.approve_practice(
        practice, user=personas["moderator"], expected_version=None
    )
    Practice.objects.filter(pk=practice.pk).update(published_at=when)
    return Practice.objects.get(pk=practice.pk)


@pytest.fixture
def dashboard(personas, kinds):
    """Three practices published in January, January and March 2026 (the last synthetic), and
    views in December 2025, January and March 2026."""
    first = published_on(personas, datetime.datetime(2026, 1, 3, 9, tzinfo=UTC), title="One")
    second = published_on(personas, datetime.datetime(2026, 1, 31, 23, tzinfo=UTC), title="Two")
    fake = published_on(personas, datetime.datetime(2026, 3, 1, tzinfo=UTC), title="Fake")
    Practice.objects.filter(pk=fake.pk).update(is_synthetic=True)
    views(first, "2025-12-31", "2026-01-01", "2026-01-01", "2026-03-15")
    views(second, "2026-01-20", visitor="w")
    views(fake, "2026-01-20", "2026-02-02", visitor="x")
    return {"first": first, "second": second, "fake": fake}


def test_views_are_counted_per_month_with_empty_months_as_zero(dashboard):
    assert stats.views_per_month() == [
        ("2025-12", 1),
        ("2026-01", 3),
        ("2026-02", 0),
        ("2026-03", 1),
    ]


def test_views_per_month_between_two_months_include_both_whole_months(dashboard):
    assert stats.views_per_month(datetime.date(2026, 1, 15), datetime.date(2026, 2, 1)) == [
        ("2026-01", 3),
        ("2026-02", 0),
    ]
    assert stats.views_per_month(start=datetime.date(2026, 3, 1)) == [("2026-03", 1)]
    assert stats.views_per_month(end=datetime.date(2025, 12, 1)) == [("2025-12", 1)]
    assert stats.views_per_month(datetime.date(2024, 11, 1), datetime.date(2024, 12, 31)) == [
        ("2024-11", 0),
        ("2024-12", 0),
    ]


def test_new_practices_are_counted_by_the_month_they_were_first_published(dashboard, personas):
    services.archive_practice(
        dashboard["second"], user=personas["moderator"], reason="old", expected_version=None
    )
    services.start_practice(make_content(title="Never published"), user=personas["bob"], reason="")

    assert stats.new_practices_per_month() == [("2026-01", 2)]
    assert stats.new_practices_per_month(datetime.date(2025, 12, 1), datetime.date(2026, 2, 1)) == [
        ("2025-12", 0),
        ("2026-01", 2),
        ("2026-02", 0),
    ]


def test_without_any_data_the_months_are_empty(db):
    assert stats.views_per_month() == []
    assert stats.new_practices_per_month() == []
    assert stats.totals() == {
        "published": 0,
        "archived": 0,
        "views": 0,
        "endorsements": 0,
        "comments": 0,
    }


def test_the_totals_count_public_practices_views_endorsements_and_visible_comments(
    dashboard, personas
):
    services.archive_practice(
        dashboard["second"], user=personas["moderator"], reason="old", expected_version=None
    )
    services.endorse(dashboard["first"], "useful", user=personas["bob"])
    services.add_comment(dashboard["first"], "Thanks", user=personas["bob"])
    hidden = services.add_comment(dashboard["first"], "Spam", user=personas["member"])
    services.hide_comment(hidden, user=personas["moderator"], reason="spam")
    Comment.objects.create(practice=dashboard["fake"], author_name="x", body="fake")
    Endorsement.objects.create(practice=dashboard["fake"], user=personas["bob"], kind="useful")

    assert stats.totals() == {
        "published": 1,
        "archived": 1,
        "views": 5,
        "endorsements": 1,
        "comments": 1,
    }
