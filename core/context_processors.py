from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject


def site(request):
    """Values every page needs: the site address, the user's role and unread notifications."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_moderator": signed_in and user.is_moderator,
        # Lazy: counted only on pages that show the header for a signed-in user.
        "synthetic_libraries": SimpleLazyObject(synthetic_library_count),
        "unread_notifications": SimpleLazyObject(
            lambda: user.notifications.filter(read_at__isnull=True).count() if signed_in else 0
        ),
    }


def synthetic_library_count() -> int:
    """How many generated libraries there are; cached briefly since every page asks."""
    from libraries.models import Library

    return cache.get_or_set(
        "synthetic-library-count",
        lambda: Library.objects.filter(is_synthetic=True).count(),
        timeout=60,
    )
