from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    """Values every page needs: the site address, the user's role and unread notifications."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_moderator": signed_in and user.is_moderator,
        # Lazy: counted only on pages that show the header for a signed-in user.
        "unread_notifications": SimpleLazyObject(
            lambda: user.notifications.filter(read_at__isnull=True).count() if signed_in else 0
        ),
    }
