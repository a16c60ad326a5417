from django.conf import settings


def site(request):
    """Values every page needs: the site address and the signed-in user's role."""
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_moderator": bool(user and user.is_authenticated and user.is_moderator),
    }
