"""The current request's id and user, for the change log of writes made during that request."""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def start_request(request_id: str | None = None) -> contextvars.Token:
    return _request_id.set(request_id or uuid.uuid4().hex)


def end_request(token: contextvars.Token) -> None:
    _request_id.reset(token)
