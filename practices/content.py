"""The content of a practice: which fields a revision holds, how they are checked, and how the
Markdown body becomes safe HTML.

A revision stores the whole content as one JSON object, so comparing, previewing and reverting
are exact. Every check names its field, and all problems are reported at once.
"""

from __future__ import annotations

import datetime
import re

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import InstitutionRole, PlatformModel, ProjectStatus, UnificationType

MAX_BODY = 200_000
MAX_TAGS = 30
MAX_TAG = 60
MAX_LIST = 200
EARLIEST_YEAR = 1000

# Field name → label, in the order forms, diffs and exports show them.
FIELDS = {
    "title": gettext_lazy("title"),
    "summary": gettext_lazy("summary"),
    "body": gettext_lazy("description"),
    "language": gettext_lazy("language of the text"),
    "kind": gettext_lazy("kind"),
    "project_status": gettext_lazy("project status"),
    "start_year": gettext_lazy("start year"),
    "end_year": gettext_lazy("end year"),
    "countries": gettext_lazy("countries"),
    "institutions": gettext_lazy("institutions"),
    "areas": gettext_lazy("function areas"),
    "items": gettext_lazy("function items"),
    "guideline_items": gettext_lazy("guideline items"),
    "urls": gettext_lazy("web addresses"),
    "licence": gettext_lazy("licence of the content"),
    "tags": gettext_lazy("tags"),
    "sources": gettext_lazy("sources"),
    "unification_type": gettext_lazy("type of unification"),
    "unity_basis": gettext_lazy("what unifies the set"),
    "dispersal_cause": gettext_lazy("why it was dispersed"),
    "material_types": gettext_lazy("material types"),
    "material_languages": gettext_lazy("languages and scripts of the material"),
    "scale_items": gettext_lazy("items unified"),
    "scale_holders": gettext_lazy("holding institutions"),
    "metadata_standards": gettext_lazy("metadata standards"),
    "iiif": gettext_lazy("images delivered through IIIF"),
    "platform_model": gettext_lazy("platform model"),
    "funding": gettext_lazy("funding"),
    "outreach": gettext_lazy("outreach"),
    "sustainability": gettext_lazy("sustainability"),
    "lessons": gettext_lazy("lessons learned"),
}
TEXT_LIMITS = {
    "title": 300,
    "summary": 2000,
    "body": MAX_BODY,
    "licence": 100,
    "unity_basis": 500,
    "dispersal_cause": 2000,
    "funding": 2000,
    "outreach": 4000,
    "sustainability": 4000,
    "lessons": 10000,
}
STRING_LISTS = ("tags", "material_types", "material_languages", "metadata_standards")
CODE_LISTS = ("countries", "areas", "items", "guideline_items")
REQUIRED = ("title", "summary", "language", "kind")
CHOICES = {
    "project_status": ProjectStatus.values,
    "unification_type": UnificationType.values,
    "platform_model": PlatformModel.values,
}


def empty_content() -> dict:
    content: dict = dict.fromkeys(FIELDS, "")
    for name in (*STRING_LISTS, *CODE_LISTS, "institutions", "urls", "sources"):
        content[name] = []
    content.update(start_year=None, end_year=None, scale_items=None, scale_holders=None)
    content["iiif"] = None
    return content


def latest_year() -> int:
    return datetime.date.today().year + 1


def clean_content(raw: dict, references: References) -> dict:
    """The content normalised, or a ValidationError naming every bad field."""
    unknown = sorted(set(raw) - set(FIELDS))
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["__all__"] = [_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)}]
    content = empty_content()
    for name in FIELDS:
        if name in raw:
            try:
                content[name] = _clean_field(name, raw[name], references)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
    for name in REQUIRED:
        if not content[name] and name not in errors:
            errors.setdefault(name, []).append(_("This field is required."))
    start, end = content["start_year"], content["end_year"]
    if start and end and end < start and "end_year" not in errors:
        errors["end_year"] = [_("The end year cannot be before the start year.")]
    if errors:
        raise ValidationError(errors)
    return content


class References:
    """What content may refer to (countries, libraries, kinds, function codes), read once."""

    def __init__(self, countries, libraries, kinds, areas, items, languages):
        self.countries = set(countries)
        self.libraries = set(libraries)
        self.kinds = set(kinds)
        self.areas = set(areas)
        self.items = set(items)
        self.languages = set(languages)


def _clean_field(name: str, value, refs: References):
    if name in TEXT_LIMITS:
        return _text(value, TEXT_LIMITS[name])
    if name in ("start_year", "end_year"):
        return _year(value)
    if name in ("scale_items", "scale_holders"):
        return _count(value)
    if name == "iiif":
        return _flag(value)
    if name in CHOICES:
        return _choice(value, CHOICES[name])
    if name == "language":
        return _code(value, refs.languages, _("Unknown language code: %(v)s."))
    if name == "kind":
        return _code(value, refs.kinds, _("Unknown kind: %(v)s."))
    if name in STRING_LISTS:
        return _strings(name, value)
    if name in CODE_LISTS:
        known = {"countries": refs.countries, "areas": refs.areas, "items": refs.items}
        return _codes(value, known.get(name), upper=name == "countries")
    if name == "institutions":
        return [_institution(i, refs) for i in _list(value)]
    if name == "urls":
        return [_url_entry(u) for u in _list(value)]
    if name == "sources":
        return [_source(s) for s in _list(value)]
    raise ValidationError(_("Unknown field."))


def _text(value, limit: int) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationError(
            _("At most %(max)s characters (this has %(n)s).") % {"max": limit, "n": len(text)}
        )
    return text


def _year(value) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or not EARLIEST_YEAR <= int(text) <= latest_year():
        raise ValidationError(
            _("A year between %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": latest_year()}
        )
    return int(text)


def _count(value) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).replace(",", "").replace(" ", "").strip()
    if not text.isdigit() or len(text) > 12:
        raise ValidationError(_("A whole number, zero or more."))
    return int(text)


def _flag(value) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("yes", "true", "1", "oui"):
        return True
    if text in ("no", "false", "0", "non"):
        return False
    raise ValidationError(_("Answer yes or no."))


def _choice(value, allowed) -> str:
    text = "" if value is None else str(value).strip()
    if text and text not in allowed:
        raise ValidationError(
            _("“%(v)s” is not one of: %(o)s.") % {"v": text, "o": ", ".join(allowed)}
        )
    return text


def _code(value, known: set[str], message: str) -> str:
    text = "" if value is None else str(value).strip()
    if text and text not in known:
        raise ValidationError(message % {"v": text})
    return text


def _list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in re.split(r"[;\n]", value)) if part]
    if not isinstance(value, (list, tuple)):
        raise ValidationError(_("A list is expected."))
    if len(value) > MAX_LIST:
        raise ValidationError(_("At most %(n)s entries.") % {"n": MAX_LIST})
    return list(value)


def _strings(name: str, value) -> list[str]:
    items = [str(v).strip() for v in _list(value) if str(v).strip()]
    items = list(dict.fromkeys(items))
    if name == "tags":
        if len(items) > MAX_TAGS:
            raise ValidationError(
                _("At most %(max)s tags (this has %(n)s).") % {"max": MAX_TAGS, "n": len(items)}
            )
        long = [t for t in items if len(t) > MAX_TAG]
        if long:
            raise ValidationError(
                _("A tag has at most %(max)s characters: %(t)s") % {"max": MAX_TAG, "t": long[0]}
            )
    return items


def _codes(value, known: set[str] | None, upper: bool) -> list[str]:
    codes = [str(v).strip() for v in _list(value) if str(v).strip()]
    codes = list(dict.fromkeys(c.upper() if upper else c for c in codes))
    if known is not None:
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError(_("Unknown codes: %(c)s.") % {"c": ", ".join(unknown)})
    return codes


def _institution(value, refs: References) -> dict:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise ValidationError(_("Each institution needs a name."))
    name = _text(value.get("name"), 300)
    library = _text(value.get("library"), 120)
    role = _text(value.get("role"), 20) or InstitutionRole.PARTNER
    country = _text(value.get("country"), 2).upper()
    if not name:
        raise ValidationError(_("Each institution needs a name."))
    if role not in InstitutionRole.values:
        raise ValidationError(
            _("“%(v)s” is not a role: %(o)s.") % {"v": role, "o": ", ".join(InstitutionRole.values)}
        )
    if library and library not in refs.libraries:
        raise ValidationError(_("No library with the address “%(v)s”.") % {"v": library})
    if country and country not in refs.countries:
        raise ValidationError(_("Unknown country code: %(v)s.") % {"v": country})
    return {"name": name, "library": library, "role": role, "country": country}


_URL = URLValidator(schemes=["http", "https"])


def _checked_url(value, field: str) -> str:
    text = _text(value, 500)
    if text:
        try:
            _URL(text)
        except ValidationError as exc:
            raise ValidationError(
                _("%(field)s: “%(v)s” is not a web address (https://…).")
                % {"field": field, "v": text}
            ) from exc
    return text


def _url_entry(value) -> dict:
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise ValidationError(_("Each web address needs a url."))
    url = _checked_url(value.get("url"), "url")
    if not url:
        raise ValidationError(_("Each web address needs a url."))
    return {
        "url": url,
        "archived_url": _checked_url(value.get("archived_url"), "archived_url"),
        "label": _text(value.get("label"), 200),
    }


def _source(value) -> dict:
    if isinstance(value, str):
        value = {"url": value} if value.startswith(("http://", "https://")) else {"citation": value}
    if not isinstance(value, dict):
        raise ValidationError(_("Each source needs a citation or a web address."))
    citation = _text(value.get("citation"), 1000)
    url = _checked_url(value.get("url"), "url")
    verified = _text(value.get("last_verified"), 10)
    if verified:
        try:
            datetime.date.fromisoformat(verified)
        except ValueError as exc:
            raise ValidationError(
                _("last_verified: a date like 2026-11-27, not “%(v)s”.") % {"v": verified}
            ) from exc
    if not citation and not url:
        raise ValidationError(_("Each source needs a citation or a web address."))
    return {"citation": citation, "url": url, "last_verified": verified}


# Markdown -----------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "dl",
    "dt",
    "dd",
    "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def render_markdown(text: str) -> str:
    """Markdown to HTML with only harmless tags, attributes and link schemes left."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
