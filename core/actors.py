"""Actors that are not people: the seed loader and management commands."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who makes a change when it is not a signed-in user. A command runs with full rights,
    since only someone with shell access to the server can run it."""

    name: str
    is_authenticated = False
    is_moderator = True
    pk = None


SEED = Actor("seed data")
COMMAND = Actor("management command")
