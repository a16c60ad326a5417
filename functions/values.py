"""Answers as typed values: parse what people type or import, store one canonical string.

Every answer is stored as text so one column serves every type and a CSV round-trips
unchanged. "unknown" is a real answer (the library does not know) and is never the same as
"not answered" (no row) nor as "no"/"none".
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .choices import AnswerType, Performance, YesNo

UNKNOWN = "unknown"
MULTI_SEPARATOR = ";"
EARLIEST_YEAR = 1400
MAX_TEXT = 2000
MAX_DIGITS = 15  # up to 999 trillion: more than any count or budget a library reports


def latest_year() -> int:
    return datetime.date.today().year + 1


def options_for(answer_type: str, options: Sequence[str]) -> list[str]:
    """The values a categorical item accepts (without "unknown" for choice and multi)."""
    if answer_type == AnswerType.PERFORMANCE:
        return list(Performance.values)
    if answer_type == AnswerType.YESNO:
        return list(YesNo.values)
    return list(options)


def clean(answer_type: str, options: Sequence[str], raw) -> str:
    """The canonical text of an answer, or "" for no answer; ValidationError names the problem."""
    if isinstance(raw, (list, tuple, set)) and answer_type == AnswerType.MULTI:
        raw = MULTI_SEPARATOR.join(str(v) for v in raw)
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return ""
    if text.casefold() == UNKNOWN:
        return UNKNOWN
    cleaner = _CLEANERS[answer_type]
    return cleaner(text, list(options_for(answer_type, options)))


def _one_of(text: str, options: list[str]) -> str:
    by_fold = {o.casefold(): o for o in options}
    if text.casefold() not in by_fold:
        raise ValidationError(
            _("“%(value)s” is not one of the options: %(options)s.")
            % {"value": text, "options": ", ".join(options)},
            code="invalid_choice",
        )
    return by_fold[text.casefold()]


def _many_of(text: str, options: list[str]) -> str:
    chosen = [part.strip() for part in text.split(MULTI_SEPARATOR)]
    if [part.casefold() for part in chosen] == ["none"] and "none" not in options:
        return "none"
    picked = {_one_of(part, options) for part in chosen if part}
    # Stored in the framework's order, so the same set always reads the same.
    return MULTI_SEPARATOR.join(o for o in options if o in picked) or "none"


def _year(text: str, _options) -> str:
    if not text.isdigit():
        raise ValidationError(_("A year is written with digits, e.g. 1998."), code="invalid_year")
    year, last = int(text), latest_year()
    if not EARLIEST_YEAR <= year <= last:
        raise ValidationError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": last},
            code="year_range",
        )
    return str(year)


def _number(text: str, _options) -> str:
    try:
        number = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", ""))
    except (InvalidOperation, ArithmeticError, ValueError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a number.") % {"value": text}, code="invalid_number"
        ) from exc
    if not number.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
    if number < 0:
        raise ValidationError(_("The number cannot be negative."), code="negative")
    if number.adjusted() >= MAX_DIGITS:
        raise ValidationError(_("The number is too large."), code="too_large")
    normalised = (number + 0).normalize()  # + 0 turns -0 into 0
    return format(normalised, "f") if normalised == normalised.to_integral() else str(normalised)


def _text(text: str, _options) -> str:
    if len(text) > MAX_TEXT:
        raise ValidationError(_("At most %(max)s characters.") % {"max": MAX_TEXT}, code="too_long")
    return text


def _url(text: str, _options) -> str:
    URLValidator(schemes=["http", "https"], message=_("Enter a web address (https://…)."))(text)
    return text


_CLEANERS = {
    AnswerType.PERFORMANCE: _one_of,
    AnswerType.YESNO: _one_of,
    AnswerType.CHOICE: _one_of,
    AnswerType.MULTI: _many_of,
    AnswerType.YEAR: _year,
    AnswerType.NUMBER: _number,
    AnswerType.TEXT: _text,
    AnswerType.URL: _url,
}


def parts(value: str) -> list[str]:
    """The chosen options of a multi answer ("none" is the empty set)."""
    if value in ("", UNKNOWN, "none"):
        return []
    return value.split(MULTI_SEPARATOR)


def for_analysis(answer_type: str, value: str):
    """The value similarity compares: str, frozenset or float; None when unknown or missing."""
    if value in ("", UNKNOWN):
        return None
    if answer_type == AnswerType.MULTI:
        return frozenset(parts(value))
    if answer_type in (AnswerType.NUMBER, AnswerType.YEAR):
        number = as_number(value)
        return number if number is not None and math.isfinite(number) else None
    if answer_type in (AnswerType.TEXT, AnswerType.URL):
        return None
    return value


def as_number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
