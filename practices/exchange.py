"""Practices in and out: export records (JSON and CSV) and the all-or-nothing import.

A record is one practice: its code, kind, status, every content field and where it lives.
The CSV is flat: a list becomes one cell, its entries joined with "; "; a structured entry
(an institution, a web address, a source) joins its parts with " | ". A literal ";", "|" or a
backslash before them inside an entry is escaped with a backslash, so `read_upload` gives back
exactly what was exported:

    institutions  name | role | library | country
    urls          url | archived_url | label
    sources       citation | url | last_verified

Cells that a spreadsheet would run as a formula get a leading quote on the way out
(libraries.export) and lose it on the way in.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from . import permissions, services
from .choices import PracticeStatus, RevisionKind
from .content import CODE_LISTS, FIELDS, STRING_LISTS, clean_content, empty_content
from .models import Practice

MAX_UPLOAD = 20 * 1024 * 1024
MAX_RECORDS = 5000
IMPORT_REASON = "Imported"

LEADING = ("code", "kind", "status", "title", "summary", "body", "language")
TRAILING = ("published_at", "url")
META = ("code", "status", "published_at", "url")
INTEGERS = ("start_year", "end_year", "scale_items", "scale_holders")
FLAGS = ("iiif",)
SIMPLE_LISTS = (*STRING_LISTS, *CODE_LISTS)
STRUCTURED = {
    "institutions": ("name", "role", "library", "country"),
    "urls": ("url", "archived_url", "label"),
    "sources": ("citation", "url", "last_verified"),
}
ENTRY_SEPARATOR = "; "
PART_SEPARATOR = " | "
ESCAPED = "\\;|"
FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def record_keys() -> list[str]:
    """The keys of a record, in the order exports show them."""
    middle = [name for name in FIELDS if name not in LEADING]
    return [*LEADING, *middle, *TRAILING]


# Export --------------------------------------------------------------------------------------


def export_records(practices, *, working_copy: bool = False) -> list[dict]:
    """One record per practice with the published content (the working copy when
    `working_copy`, e.g. for moderators, or when nothing is published yet)."""
    if isinstance(practices, QuerySet):
        practices = practices.select_related("current", "published")
    records = []
    for practice in practices:
        revision = practice.current if working_copy else (practice.published or practice.current)
        content = {**empty_content(), **copy.deepcopy(revision.content if revision else {})}
        record = {"code": practice.code, "status": practice.status}
        record.update({name: content.get(name) for name in FIELDS})
        record["published_at"] = (
            practice.published_at.isoformat() if practice.published_at else None
        )
        record["url"] = settings.SITE_URL + practice.get_absolute_url()
        records.append({key: record[key] for key in record_keys()})
    return records


def csv_columns() -> list[str]:
    return record_keys()


def csv_rows(records) -> list[dict]:
    """Records as flat CSV rows (strings and numbers); see the module's docstring."""
    return [{key: _cell_out(key, record.get(key)) for key in record_keys()} for record in records]


def _cell_out(key: str, value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if key in STRUCTURED and isinstance(value, list):
        parts = STRUCTURED[key]
        text = ENTRY_SEPARATOR.join(
            PART_SEPARATOR.join(_escape(_part(entry, part)) for part in parts)
            if isinstance(entry, dict)
            else _escape(str(entry))
            for entry in value
        )
    elif isinstance(value, list):
        text = ENTRY_SEPARATOR.join(_escape(str(entry)) for entry in value)
    else:
        text = str(value)
    # libraries.export quotes a cell starting like a formula; a cell that already starts with
    # quotes before such a character gets one more, so reading strips exactly one.
    return "'" + text if text.startswith("'") and FORMULA.match(text) else text


def _part(entry: dict, part: str) -> str:
    value = entry.get(part)
    return "" if value is None else str(value)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in ESCAPED else c for c in text)


# Reading an upload ---------------------------------------------------------------------------


def read_upload(upload, fmt: str) -> list[dict]:
    """The records of an uploaded file (an UploadedFile, bytes or text) in "json" or "csv";
    a ValidationError with a clear message when the file cannot be read."""
    if fmt not in ("json", "csv"):
        raise ValidationError(_("Choose the format: json or csv."))
    text = _text_of(upload)
    records = _read_json(text) if fmt == "json" else _read_csv(text)
    if len(records) > MAX_RECORDS:
        raise ValidationError(_("At most %(n)s records per file.") % {"n": MAX_RECORDS})
    return records


def _text_of(upload) -> str:
    too_big = ValidationError(
        _("The file is larger than %(n)s MB.") % {"n": MAX_UPLOAD // (1024 * 1024)}
    )
    if getattr(upload, "size", None) is not None and upload.size > MAX_UPLOAD:
        raise too_big
    if hasattr(upload, "read"):
        if hasattr(upload, "seek"):
            upload.seek(0)
        raw = upload.read(MAX_UPLOAD + 1)
    else:
        raw = upload
    if len(raw) > MAX_UPLOAD:
        raise too_big
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file is not UTF-8 text (byte %(n)s); save it as UTF-8.") % {"n": exc.start + 1}
        ) from exc


def _read_json(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("The file is not valid JSON: %(msg)s (line %(line)s, column %(col)s).")
            % {"msg": exc.msg, "line": exc.lineno, "col": exc.colno}
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise ValidationError(
            _("The JSON must be a list of records, or an export with its “results”.")
        )
    bad = [str(n) for n, record in enumerate(data, start=1) if not isinstance(record, dict)]
    if bad:
        raise ValidationError(
            _("Each record must be an object; these are not: %(n)s.") % {"n": ", ".join(bad[:20])}
        )
    return data


def _read_csv(text: str) -> list[dict]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [(name or "").strip() for name in reader.fieldnames or []]
        if not any(header):
            raise ValidationError(_("The CSV file is empty: it needs a header row."))
        reader.fieldnames = header
        unknown = [name for name in header if name not in record_keys()]
        if unknown:
            raise ValidationError(
                _("Unknown columns: %(c)s. The columns are those of the export: %(all)s.")
                % {"c": ", ".join(unknown), "all": ", ".join(record_keys())}
            )
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise ValidationError(_("Repeated columns: %(c)s.") % {"c": ", ".join(duplicated)})
        records = []
        for row in reader:
            if None in row:
                raise ValidationError(
                    _("Row %(n)s has more cells than the header.") % {"n": reader.line_num}
                )
            records.append({key: _cell_in(key, value) for key, value in row.items()})
            if len(records) > MAX_RECORDS:
                break
    except csv.Error as exc:
        raise ValidationError(_("The CSV file is malformed: %(e)s.") % {"e": exc}) from exc
    return records


def _cell_in(key: str, value: str | None):
    text = value or ""
    if FORMULA.match(text) and text.startswith("'"):
        text = text[1:]
    if key in INTEGERS:
        stripped = text.strip()
        if not stripped:
            return None
        return int(stripped) if stripped.isdigit() else stripped
    if key in FLAGS:
        flag = text.strip().casefold()
        return {"": None, "yes": True, "no": False}.get(flag, text.strip())
    if key == "published_at":
        return text.strip() or None
    if key in STRUCTURED:
        return [_structured(key, parts) for parts in _split(text, structured=True)]
    if key in SIMPLE_LISTS:
        entries = [parts[0] for parts in _split(text, structured=False)]
        if key in CODE_LISTS:  # codes never hold spaces: one per line is fine too
            entries = [code for entry in entries for code in entry.split() if code]
        return entries
    return text


def _structured(key: str, parts: list[str]) -> dict:
    names = STRUCTURED[key]
    if len(parts) == 1 and key == "sources" and parts[0].startswith(("http://", "https://")):
        parts = ["", parts[0]]
    parts = [*parts, *[""] * len(names)][: len(names)]
    return dict(zip(names, parts, strict=True))


def _split(text: str, *, structured: bool) -> list[list[str]]:
    """Entries of a list cell, each a list of parts; backslash escapes ;, | and itself."""
    entries: list[list[str]] = []
    parts: list[str] = []
    buffer: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPED:
            buffer.append(text[i + 1])
            i += 2
            continue
        if char == ";":
            entries.append([*parts, "".join(buffer)])
            parts, buffer = [], []
        elif char == "|" and structured:
            parts.append("".join(buffer))
            buffer = []
        else:
            buffer.append(char)
        i += 1
    entries.append([*parts, "".join(buffer)])
    cleaned = [[part.strip() for part in entry] for entry in entries]
    return [entry for entry in cleaned if any(entry)]


# Import --------------------------------------------------------------------------------------


def import_records(records, *, user) -> list[Practice]:
    """Create or update practices from records (moderators). Every record is checked first and
    every problem reported ("record N (title): field: message"); nothing is written unless all
    are valid. A record with a known code updates that practice (fields left out keep their
    value; equal content adds no revision); any other record creates a practice, submitted and
    published by the importing moderator when the record says so."""
    if not permissions.can_moderate(user):
        raise PermissionDenied(_("Only moderators import practices."))
    records = list(records)
    if len(records) > MAX_RECORDS:
        raise ValidationError(_("At most %(n)s records per import.") % {"n": MAX_RECORDS})
    refs = services.references()
    codes = [_code(r) for r in records if isinstance(r, dict) and _code(r)]
    existing = {
        p.code: p for p in Practice.objects.filter(code__in=codes).select_related("current")
    }
    errors: list[str] = []
    plan: list[tuple[Practice | None, dict, str]] = []
    first_with: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            errors.append(_("record %(n)s: not an object.") % {"n": number})
            continue
        title = str(record.get("title") or "").strip()[:80] or _("untitled")
        prefix = _("record %(n)s (%(t)s)") % {"n": number, "t": title}
        problems = []
        code = _code(record)
        if code and code in first_with:
            problems.append(
                _("code: %(c)s is also in record %(m)s.") % {"c": code, "m": first_with[code]}
            )
        elif code:
            first_with[code] = number
        status = str(record.get("status") or "").strip()
        if status and status not in PracticeStatus.values:
            problems.append(
                _("status: “%(v)s” is not one of: %(o)s.")
                % {"v": status, "o": ", ".join(PracticeStatus.values)}
            )
        practice = existing.get(code)
        data = {k: v for k, v in record.items() if k not in META}
        if practice is not None and practice.current_id:
            data = {**practice.current.content, **data}
        try:
            content = clean_content(data, refs)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = "" if field == "__all__" else f"{field}: "
                problems += [f"{label}{message}" for message in messages]
        if problems:
            errors += [f"{prefix}: {problem}" for problem in problems]
            continue
        plan.append((practice, content, status))
    if errors:
        raise ValidationError(errors)
    saved = []
    with transaction.atomic():
        for practice, content, status in plan:
            if practice is not None:
                saved.append(
                    services.edit_practice(
                        practice,
                        content,
                        user=user,
                        reason=IMPORT_REASON,
                        expected_version=None,
                        revision_kind=RevisionKind.IMPORT,
                    )
                )
            else:
                saved.append(_create(content, status, user=user))
    return saved


def _code(record: dict) -> str:
    return str(record.get("code") or "").strip()


def _create(content: dict, status: str, *, user) -> Practice:
    practice = services.start_practice(
        content, user=user, reason=IMPORT_REASON, revision_kind=RevisionKind.IMPORT
    )
    if status in (PracticeStatus.SUBMITTED, PracticeStatus.PUBLISHED, PracticeStatus.ARCHIVED):
        practice = services.submit_practice(
            practice, user=user, expected_version=None, tell_moderators=False
        )
    if status in (PracticeStatus.PUBLISHED, PracticeStatus.ARCHIVED):
        practice = services.approve_practice(practice, user=user, expected_version=None)
    if status == PracticeStatus.ARCHIVED:
        practice = services.archive_practice(
            practice, user=user, reason=IMPORT_REASON, expected_version=None
        )
    return practice
