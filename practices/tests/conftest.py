"""Shared fixtures of the practices tests: the kinds, valid content, a draft and a published
practice. They build on the personas and registry of the project's conftest.py."""

import pytest

from practices import seed, services


@pytest.fixture
def kinds(db):
    """The seed kinds of practice (digital-unification, best-practice, legal-deposit, other)."""
    seed.load_kinds()
    from practices.models import Kind

    return {kind.slug: kind for kind in Kind.objects.all()}


def make_content(**overrides) -> dict:
    """A valid content dict (countries FR and NO of the test registry); override any field."""
    content = {
        "title": "Gallica reunites the manuscripts of Saint-Martial",
        "summary": "Digitised manuscripts dispersed between Paris and Oslo, shown together.",
        "body": "## What was done\n\nThe **manuscripts** were imaged and described.",
        "language": "en",
        "kind": "digital-unification",
        "project_status": "completed",
        "start_year": 2010,
        "end_year": 2014,
        "countries": ["FR", "NO"],
        "institutions": [{"name": "Bibliothèque nationale de France", "role": "lead"}],
        "urls": [{"url": "https://gallica.bnf.fr/"}],
        "tags": ["manuscripts", "digital unification"],
        "sources": [{"citation": "Annual report 2014", "url": "https://www.bnf.fr/report"}],
    }
    content.update(overrides)
    return content


@pytest.fixture
def practice_content(kinds):
    """practice_content(**overrides) returns a valid content dict (kinds are loaded)."""
    return make_content


@pytest.fixture
def draft_practice(personas, practice_content):
    """A draft started by alice (its only author)."""
    return services.start_practice(practice_content(), user=personas["alice"], reason="test")


@pytest.fixture
def published_practice(personas, draft_practice):
    """Alice's practice, submitted by her and published by the moderator."""
    practice = services.submit_practice(
        draft_practice, user=personas["alice"], expected_version=draft_practice.version
    )
    return services.approve_practice(
        practice, user=personas["moderator"], expected_version=practice.version
    )


def make_published(content: dict, *, author, moderator):
    """A practice started and submitted by `author`, published by `moderator`."""
    practice = services.start_practice(content, user=author, reason="test")
    practice = services.submit_practice(practice, user=author, expected_version=None)
    return services.approve_practice(practice, user=moderator, expected_version=None)


@pytest.fixture
def publish(personas, kinds):
    """publish(**overrides) returns a new practice by alice, published by the moderator."""

    def make(**overrides):
        return make_published(
            make_content(**overrides), author=personas["alice"], moderator=personas["moderator"]
        )

    return make
