"""Who may do what with accounts and affiliations."""

from core.permissions import is_moderator

from .choices import AffiliationStatus


def can_request_affiliation(user, library) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return not user.affiliations.filter(
        library=library, status__in=[AffiliationStatus.PENDING, AffiliationStatus.APPROVED]
    ).exists()


def can_decide_affiliation(user, affiliation=None) -> bool:
    return is_moderator(user)


def can_set_role(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_administrator)
