"""Request id for the change log, the Content-Security-Policy header, the public page cache."""

import hashlib
import re

from django.conf import settings

from .requestid import current_request_id, end_request, start_request

# An id from the reverse proxy is kept only if it is a plain token (e.g. a UUID or hex string).
PROXY_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]+")

# Only our own scripts, styles and images: no CDN, no inline script.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdMiddleware:
    """Give each request an id, kept with every change it writes and sent back as a header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")[:36]
        token = start_request(incoming if PROXY_REQUEST_ID.fullmatch(incoming) else None)
        try:
            request.id = current_request_id()
            response = self.get_response(request)
            response["X-Request-Id"] = request.id
            return response
        finally:
            end_request(token)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


class PublicPageCacheMiddleware:
    """Serve anonymous GET requests for public pages from the cache, until the data changes.

    The key holds the data version (the newest change-log id, one indexed query), so a published
    change is visible at once on every process. Only responses that are the same for every
    visitor are kept: 200s without cookies, for visitors without a session or pending messages.
    """

    SKIP_PREFIXES = ("/admin/", "/static/", "/healthz", "/__hello__")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        from django.core.cache import cache

        from .cache import data_version

        key = self.key(request, data_version(request))
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if self.cacheable_response(request, response):
            if getattr(response, "is_rendered", True):
                cache.set(key, response, self.timeout())
            else:
                response.add_post_render_callback(lambda r: cache.set(key, r, self.timeout()))
        return response

    @staticmethod
    def timeout() -> int:
        return settings.PUBLIC_PAGE_CACHE_SECONDS

    def cacheable_request(self, request) -> bool:
        if not settings.PUBLIC_PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(self.SKIP_PREFIXES) or "/accounts/" in request.path:
            return False
        if "Authorization" in request.headers:
            return False  # an API client with a token may see more than a visitor
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies

    @staticmethod
    def cacheable_response(request, response) -> bool:
        # A page that embeds a CSRF token belongs to one visitor; never share it.
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not (user is not None and user.is_authenticated)
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not getattr(response, "streaming", False)
            # A page that counts its visitors must reach its view every time.
            and not getattr(response, "counts_views", False)
        )

    @staticmethod
    def key(request, version: int) -> str:
        accept = request.headers.get("Accept", "")[:100] if "/api/" in request.path else ""
        gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        digest = hashlib.sha256(
            f"{request.method}|{request.get_full_path()}|{accept}|{gzip}".encode()
        ).hexdigest()
        return f"page:{version}:{digest}"
