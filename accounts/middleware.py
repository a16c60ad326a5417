"""Keep a signed-in user's preferred language in the language cookie."""

from django.conf import settings


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


class PreferredLanguageMiddleware:
    """LocaleMiddleware reads the cookie, so addresses without a prefix open in that language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user else ""
        if preferred and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != preferred:
            set_language_cookie(response, preferred)
        return response
