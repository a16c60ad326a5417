"""Request id for the change log, and the Content-Security-Policy header."""

import re

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
