"""CSV of answers: one library (one row per item) or a whole round (libraries × items).

An import reads and checks every row first and reports each problem with its row and column;
only a file without problems is written, in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from libraries.models import Library

from . import permissions, services
from .models import Profile, Round
from .queries import RoundAnswers, framework_areas

PROFILE_COLUMNS = ("item", "area", "question", "type", "value", "note", "source_url", "since")
ROUND_FIXED = ("library", "library_name", "country_iso2", "status", "demo")
MAX_ROWS = 20_000


@dataclass
class ImportProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportError_(ValidationError):
    """Every problem of a file; nothing was saved."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__([str(p) for p in problems])
        self.problems = problems


def profile_rows(profile: Profile) -> list[dict]:
    answers = profile.answer_map()
    rows = []
    for area, items in framework_areas(profile.round):
        for item in items:
            answer = answers.get(item.code) or {}
            rows.append(
                {
                    "item": item.code,
                    "area": area.code,
                    "question": item.text,
                    "type": item.answer_type,
                    "value": answer.get("value", ""),
                    "note": answer.get("note", ""),
                    "source_url": answer.get("source_url", ""),
                    "since": answer.get("since", ""),
                }
            )
    return rows


def round_columns(round_: Round) -> list[str]:
    return [*ROUND_FIXED, *round_.edition.item_codes()]


def round_rows(data: RoundAnswers) -> list[dict]:
    rows = []
    for profile in data.profiles:
        library = profile.library
        answers = data.values.get(library.pk, {})
        rows.append(
            {
                "library": library.slug,
                "library_name": library.name,
                "country_iso2": library.country_id,
                "status": profile.status,
                "demo": "yes" if profile.is_demo else "no",
                **answers,
            }
        )
    return rows


def _read(upload) -> tuple[list[str], list[dict]]:
    raw = upload.read() if hasattr(upload, "read") else upload
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportError_([ImportProblem(0, "-", _("The file is not UTF-8 text."))]) from exc
    try:
        reader = csv.DictReader(io.StringIO(raw))
        # Headers as typed in a spreadsheet ("item, value") name the same columns.
        reader.fieldnames = [(h or "").strip() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as exc:
        raise ImportError_([ImportProblem(0, "-", str(exc))]) from exc
    if len(rows) > MAX_ROWS:
        raise ImportError_(
            [ImportProblem(0, "-", _("At most %(n)s rows per file.") % {"n": MAX_ROWS})]
        )
    return list(reader.fieldnames), rows


def import_profile(profile: Profile, upload, *, user, expected_version: int | None) -> int:
    """Answers of one library from a CSV in the download's format; returns the answers saved."""
    if not permissions.can_edit_profile(user, profile):
        raise PermissionDenied(_("You may not edit this profile now."))
    header, rows = _read(upload)
    missing = [c for c in ("item", "value") if c not in header]
    if missing:
        raise ImportError_([ImportProblem(1, c, _("This column is required.")) for c in missing])
    answers, problems, row_of = {}, [], {}
    for number, row in enumerate(rows, start=2):
        code = (row.get("item") or "").strip()
        if code in answers:
            problems.append(
                ImportProblem(number, "item", _("%(code)s appears twice.") % {"code": code})
            )
            continue
        row_of[code] = number
        answers[code] = {k: _cell(row.get(k)) for k in ("value", "note", "source_url", "since")}
    problems += _check(profile.round, answers, row_of)
    if problems:
        raise ImportError_(problems)
    services.save_answers(
        profile,
        answers,
        user=user,
        reason=_("Imported from a CSV file"),
        expected_version=expected_version,
    )
    return sum(1 for a in answers.values() if a["value"])


def _cell(text) -> str:
    """A cell as typed: the quote our CSV download puts before =, +, - and @ (so spreadsheets do
    not run them as formulas) is taken off again, so an export re-imports unchanged."""
    text = (text or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _check(round_: Round, answers: dict, row_of: dict) -> list[ImportProblem]:
    """Problems of a set of answers, mapped back to rows and columns of the file."""
    try:
        services.clean_answers(round_, answers)
    except ValidationError as exc:
        return [
            ImportProblem(row_of.get(code, 0), _column(message), message)
            for code, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _column(message: str) -> str:
    head = message.split(":", 1)[0]
    for column, word in (("note", "evidence"), ("source_url", "source"), ("since", "since")):
        if head.endswith(f" {word}"):
            return column
    return "value" if "no such item" not in message else "item"


def import_round(round_: Round, upload, *, user) -> int:
    """A whole round (moderators): one row per library, one column per item code."""
    if not permissions.can_manage_rounds(user):
        raise PermissionDenied(_("Only moderators can import a whole round."))
    header, rows = _read(upload)
    if "library" not in header:
        raise ImportError_([ImportProblem(1, "library", _("This column is required."))])
    asked = set(round_.edition.item_codes())
    problems = [
        ImportProblem(1, column, _("%(code)s is not an item of this round.") % {"code": column})
        for column in header
        if column not in ROUND_FIXED and column not in asked
    ]
    codes = [c for c in header if c in asked]
    libraries = {
        lib.slug: lib
        for lib in Library.objects.filter(slug__in=[r.get("library", "").strip() for r in rows])
    }
    planned: list[tuple[Library, dict]] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        slug = (row.get("library") or "").strip()
        library = libraries.get(slug)
        if library is None or slug in seen:
            text = (
                _("No library with the address “%(slug)s”.")
                if library is None
                else _("“%(slug)s” appears twice.")
            )
            problems.append(ImportProblem(number, "library", text % {"slug": slug}))
            continue
        seen.add(slug)
        if _cell(row.get("demo")).casefold() == "yes":
            # Invented answers must never come back as a library's real ones.
            message = _("This row holds demo answers; remove it or set demo to “no”.")
            problems.append(ImportProblem(number, "demo", message))
            continue
        answers = {code: {"value": _cell(row.get(code))} for code in codes}
        for problem in _check(round_, answers, {}):
            code = problem.message.split(":", 1)[0].split(" ")[0]
            problems.append(ImportProblem(number, code, problem.message))
        planned.append((library, answers))
    if problems:
        raise ImportError_(problems)
    with transaction.atomic():
        for library, answers in planned:
            profile = services.start_profile(library, round_, user=user)
            existing = profile.answer_map()
            # The round's table carries values only: evidence, source and year stay as they were.
            merged = {
                code: {**(existing.get(code) or {}), "value": answer["value"]}
                for code, answer in answers.items()
            }
            services.save_answers(
                profile,
                merged,
                user=user,
                reason=_("Imported with the whole round"),
                expected_version=None,
            )
    return len(planned)
