"""Shared fixtures of the functions tests: the seed framework and published profiles."""

import pytest

from core.actors import SEED
from functions import seed, services
from functions.models import Round


@pytest.fixture
def framework(db):
    """The seed framework (14 areas, 85 items, edition 2020-beta); returns its open 2020 round."""
    seed.load_framework()
    return Round.objects.select_related("edition").get(year=2020)


def make_published_profile(library, round_, answers: dict, *, user=SEED):
    """A profile of `library` with `answers` ({code: value or answer dict}), published through
    the services like a moderator would."""
    profile = services.start_profile(library, round_, user=user)
    profile = services.save_answers(
        profile,
        {c: a if isinstance(a, dict) else {"value": a} for c, a in answers.items()},
        user=user,
        reason="test answers",
        expected_version=None,
    )
    return services.publish_profile(profile, user=user, expected_version=None)


@pytest.fixture
def published_profile(framework):
    """published_profile(library, {"F01.1": "nl", ...}) publishes a profile in the 2020 round."""

    def make(library, answers: dict, round_=None):
        return make_published_profile(library, round_ or framework, answers)

    return make
