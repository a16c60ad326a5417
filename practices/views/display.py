"""What a revision holds, ready to show: references resolved to names and links, stored values
in words, language names; and what differs between two contents, field by field."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from libraries.models import Country, Library

from ..choices import InstitutionRole, PlatformModel, ProjectStatus, UnificationType
from ..content import CODE_LISTS, FIELDS, STRING_LISTS, TEXT_LIMITS, empty_content, render_markdown
from ..forms import as_text
from ..models import Kind
from .diff import list_diff, text_diff

CHOICE_LABELS = {
    "project_status": dict(ProjectStatus.choices),
    "unification_type": dict(UnificationType.choices),
    "platform_model": dict(PlatformModel.choices),
}


def years_label(start: int | None, end: int | None) -> str:
    """The years of a practice: "2010–2014", "2010" (one year), "since 2010" (no end) or
    "until 2014" (no start); empty when neither is known."""
    if not start:
        return _("until %(year)s") % {"year": end} if end else ""
    if end and end != start:
        return f"{start}–{end}"
    if end:
        return str(start)
    return _("since %(year)s") % {"year": start}


def content_view(content: dict, kind: Kind | None = None) -> dict:
    """The content with its references resolved (names, links, labels), in at most four
    queries (countries, libraries, areas, items) plus one for an unexpected kind."""
    from functions.models import Area, Item

    content = {**empty_content(), **content}
    institutions = content["institutions"]
    codes = set(content["countries"]) | {i["country"] for i in institutions if i.get("country")}
    countries = dict(Country.objects.filter(iso2__in=codes).values_list("iso2", "name"))
    slugs = [i["library"] for i in institutions if i.get("library")]
    libraries = {
        lib.slug: lib for lib in Library.objects.filter(slug__in=slugs).only("slug", "name")
    }
    areas = {a.code: a for a in Area.objects.filter(code__in=content["areas"])}
    items = {i.code: i for i in Item.objects.filter(code__in=content["items"])}
    if kind is None or kind.slug != content["kind"]:
        kind = Kind.objects.filter(slug=content["kind"]).first()
    roles = dict(InstitutionRole.choices)
    return {
        **content,
        "kind_label": str(kind) if kind else content["kind"],
        "years_label": years_label(content.get("start_year"), content.get("end_year")),
        "language_label": language_name(content["language"]),
        "body_html": render_markdown(content["body"]),
        "project_status_label": CHOICE_LABELS["project_status"].get(content["project_status"], ""),
        "countries": [(code, countries.get(code, code)) for code in content["countries"]],
        "institutions": [
            {
                "name": i["name"],
                "role": roles.get(i.get("role"), i.get("role")),
                "library": libraries.get(i.get("library")),
                "country": countries.get(i.get("country"), i.get("country")),
            }
            for i in institutions
        ],
        "areas": [areas.get(code, code) for code in content["areas"]],
        "items": [items.get(code, code) for code in content["items"]],
        "unification": _unification(content),
        "experience": [
            (FIELDS[name], content[name])
            for name in ("dispersal_cause", "funding", "outreach", "sustainability", "lessons")
            if content[name]
        ],
    }


def _unification(content: dict) -> list[tuple[str, str]]:
    """The digital-unification facts that are filled in, as (label, text)."""
    rows = []
    for name in (
        "unification_type",
        "unity_basis",
        "material_types",
        "material_languages",
        "scale_items",
        "scale_holders",
        "metadata_standards",
        "iiif",
        "platform_model",
    ):
        text = display(name, content.get(name))
        if text:
            rows.append((FIELDS[name], text))
    return rows


def display(name: str, value) -> str:
    """One stored value in words ("" when empty)."""
    if value in (None, "", []):
        return ""
    if name in CHOICE_LABELS:
        return str(CHOICE_LABELS[name].get(value, value))
    if name == "iiif":
        return _("yes") if value else _("no")
    if name in ("scale_items", "scale_holders"):
        return f"{value:,}"
    if isinstance(value, list):
        return "; ".join(as_text(name, value).splitlines())
    return str(value)


@lru_cache(maxsize=4)
def _language_names(interface: str) -> dict[str, str]:
    import pycountry

    names = {}
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_2", None)
        if code:
            try:
                names[code] = str(get_language_info(code)["name_translated"])
            except KeyError:
                names[code] = lang.name
    return names


def language_name(code: str) -> str:
    from django.utils.translation import get_language

    return _language_names(get_language() or "en").get(code, code)


def language_choices() -> list[tuple[str, str]]:
    from django.utils.translation import get_language

    names = _language_names(get_language() or "en")
    return sorted(((c, f"{n} ({c})") for c, n in names.items()), key=lambda c: c[1].casefold())


def field_changes(old: dict, new: dict) -> list[dict]:
    """Field by field, what differs between two contents, ready to show (escaped by the
    template): lists as lists with added and removed entries, texts with inline marks."""
    rows = []
    for name, label in FIELDS.items():
        before, after = old.get(name), new.get(name)
        if before == after or (before in (None, "", []) and after in (None, "", [])):
            continue
        if name in TEXT_LIMITS and name not in ("title", "licence", "unity_basis"):
            rows.append({"label": label, "kind": "text", "parts": text_diff(before, after)})
        elif name in (*STRING_LISTS, *CODE_LISTS, "institutions", "urls", "sources"):
            parts = list_diff(_entries(before), _entries(after))
            rows.append({"label": label, "kind": "list", "parts": parts})
        else:
            rows.append(
                {
                    "label": label,
                    "kind": "value",
                    "old": display(name, before),
                    "new": display(name, after),
                }
            )
    return rows


def _entries(values) -> list[str]:
    """The entries of a list as text: an entry with parts shows the parts it has."""
    return [
        " | ".join(str(v) for v in entry.values() if v) if isinstance(entry, dict) else str(entry)
        for entry in values or []
    ]
