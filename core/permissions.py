"""Who may do what with cross-cutting objects (the change log)."""

from .actors import Actor


def is_moderator(user) -> bool:
    if isinstance(user, Actor):
        return user.is_moderator
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_moderator", False))


def can_revert(user, change) -> bool:
    return is_moderator(user)
