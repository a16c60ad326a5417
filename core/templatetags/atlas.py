"""Template helpers used across the site."""

from django import template
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()

STATUS_LABELS = {
    "verified": ("badge-verified", "verified"),
    "unverified": ("badge-unverified", "unverified"),
    "inferred": ("badge-inferred", "inferred"),
}


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def fact_badge(status: str, source: str = "") -> str:
    """A visible provenance badge; verified facts get a quiet one, the others stand out."""
    css, _key = STATUS_LABELS.get(status, STATUS_LABELS["unverified"])
    label = {
        "verified": _("verified"),
        "unverified": _("unverified"),
        "inferred": _("inferred"),
    }.get(status, _("unverified"))
    title = source or _("No source recorded")
    return format_html('<span class="badge {}" title="{}">{}</span>', css, title, label)


@register.filter
def display_value(value) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


@register.simple_tag(takes_context=True)
def language_url(context, language: str) -> str:
    """This page's address in another interface language (same query string)."""
    request = context["request"]
    return translate_url(request.get_full_path(), language)


@register.simple_tag
def filter_field(bound_field) -> str:
    """A filter field as label and control. Selects are written here rather than through the
    widget templates, which render each option separately and cost tens of milliseconds for a
    list of countries."""
    widget = bound_field.field.widget
    if getattr(widget, "input_type", "") != "select" or getattr(
        widget, "allow_multiple_selected", False
    ):
        return format_html("<p>{}{}</p>", bound_field.label_tag(), bound_field)
    current = bound_field.value()
    current = "" if current is None else str(current)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (str(v), " selected" if str(v) == current else "", label)
            for v, label in bound_field.field.choices
        ),
    )
    return format_html(
        '<p>{}<select name="{}" id="{}">{}</select></p>',
        bound_field.label_tag(),
        bound_field.html_name,
        bound_field.id_for_label,
        options,
    )
