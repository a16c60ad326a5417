"""Keep a signed-in user's preferred language in the language cookie."""

from django.conf import settings


class PreferredLanguageMiddleware:
    """LocaleMiddleware reads the cookie, so addresses without a prefix open in that language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user else ""
        cookie = settings.LANGUAGE_COOKIE_NAME
        if preferred and request.COOKIES.get(cookie) != preferred:
            response.set_cookie(
                cookie,
                preferred,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
