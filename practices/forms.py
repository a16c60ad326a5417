"""Forms of the practices pages: one form for the whole content, actions, comments, endorsements
and imports.

The content form only collects what was typed: every check is made by the service (the same
rules as the API and the imports), and its errors, keyed by content field, are shown at the
field. Lists are typed one entry per line; entries with parts ("name | role | library |
country") are split on "|".
"""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .choices import (
    EndorsementKind,
    InstitutionRole,
    PlatformModel,
    ProjectStatus,
    UnificationType,
)
from .content import FIELDS, MAX_BODY, MAX_TAGS

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SEPARATOR = " | "
LINE_LISTS = (
    "countries",
    "areas",
    "items",
    "guideline_items",
    "tags",
    "material_types",
    "material_languages",
    "metadata_standards",
)
# Entries with parts, in the order they are typed on a line.
PARTS = {
    "institutions": ("name", "role", "library", "country"),
    "urls": ("url", "archived_url", "label"),
    "sources": ("citation", "url", "last_verified"),
}
LONG_TEXTS = ("summary", "dispersal_cause", "funding", "outreach", "sustainability", "lessons")
NOT_SAID = ("", _("— not said —"))


def _with(message, **params) -> str:
    """A lazy message with its placeholders filled in the reader's language."""
    return lazy(lambda: str(message) % params, str)()


def _blank(choices) -> list[tuple[str, str]]:
    return [NOT_SAID, *choices]


def _text(label, rows: int | None = None, help_text: str = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label, required=False, strip=False, widget=widget, help_text=help_text
    )


def _lines(label, help_text: str, rows: int = 3) -> forms.CharField:
    return _text(label, rows, help_text)


class PracticeForm(forms.Form):
    """Every content field of a practice, the version it started from and a note."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    base = forms.IntegerField(widget=forms.HiddenInput, required=False)

    title = _text(capfirst(FIELDS["title"]))
    summary = _text(
        capfirst(FIELDS["summary"]),
        3,
        _("Two or three sentences: what was done, where, and why it matters."),
    )
    body = _text(
        capfirst(FIELDS["body"]),
        14,
        _with(
            _(
                "Markdown: ## for headings, **bold**, *italics*, [link](https://…), lists with - "
                ". At most %(max)s characters."
            ),
            max=f"{MAX_BODY:,}",
        ),
    )
    language = forms.ChoiceField(label=capfirst(FIELDS["language"]), required=False)
    kind = forms.ChoiceField(label=capfirst(FIELDS["kind"]), required=False)
    project_status = forms.ChoiceField(
        label=capfirst(FIELDS["project_status"]),
        required=False,
        choices=_blank(ProjectStatus.choices),
    )
    start_year = _text(capfirst(FIELDS["start_year"]))
    end_year = _text(capfirst(FIELDS["end_year"]))
    countries = _lines(
        capfirst(FIELDS["countries"]), _("Two-letter ISO codes, one per line, e.g. FR."), rows=2
    )
    institutions = _lines(
        capfirst(FIELDS["institutions"]),
        _with(
            _("One per line: name | role | library address | country code. Roles: %(r)s."),
            r=", ".join(InstitutionRole.values),
        ),
    )
    areas = _lines(
        capfirst(FIELDS["areas"]),
        _("Codes of the function framework, one per line, e.g. F01."),
        rows=2,
    )
    items = _lines(capfirst(FIELDS["items"]), _("Item codes, one per line, e.g. F01.1."), rows=2)
    guideline_items = _lines(capfirst(FIELDS["guideline_items"]), _("Codes, one per line."), rows=2)
    urls = _lines(capfirst(FIELDS["urls"]), _("One per line: address | archived copy | label."))
    licence = _text(capfirst(FIELDS["licence"]), help_text=_("For example CC BY 4.0."))
    tags = _lines(capfirst(FIELDS["tags"]), _with(_("One per line, at most %(n)s."), n=MAX_TAGS))
    sources = _lines(
        capfirst(FIELDS["sources"]),
        _("One per line: citation | address | date last verified (2026-11-27)."),
    )
    unification_type = forms.ChoiceField(
        label=capfirst(FIELDS["unification_type"]),
        required=False,
        choices=_blank(UnificationType.choices),
    )
    unity_basis = _text(capfirst(FIELDS["unity_basis"]))
    dispersal_cause = _text(capfirst(FIELDS["dispersal_cause"]), 3)
    material_types = _lines(capfirst(FIELDS["material_types"]), _("One per line."), rows=2)
    material_languages = _lines(capfirst(FIELDS["material_languages"]), _("One per line."), rows=2)
    scale_items = _text(capfirst(FIELDS["scale_items"]), help_text=_("A whole number."))
    scale_holders = _text(capfirst(FIELDS["scale_holders"]), help_text=_("A whole number."))
    metadata_standards = _lines(capfirst(FIELDS["metadata_standards"]), _("One per line."), rows=2)
    iiif = forms.ChoiceField(
        label=capfirst(FIELDS["iiif"]),
        required=False,
        choices=[NOT_SAID, ("yes", _("yes")), ("no", _("no"))],
    )
    platform_model = forms.ChoiceField(
        label=capfirst(FIELDS["platform_model"]),
        required=False,
        choices=_blank(PlatformModel.choices),
    )
    funding = _text(capfirst(FIELDS["funding"]), 3)
    outreach = _text(capfirst(FIELDS["outreach"]), 3)
    sustainability = _text(capfirst(FIELDS["sustainability"]), 3)
    lessons = _text(capfirst(FIELDS["lessons"]), 4)
    reason = forms.CharField(
        label=_("Note for the history (optional)"),
        max_length=2000,
        required=False,
        help_text=_("What you changed and why, e.g. “added the 2024 figures from the report”."),
    )

    GROUPS = (
        (_("The practice"), ("title", "summary", "body", "language", "kind")),
        (_("Project"), ("project_status", "start_year", "end_year", "countries", "institutions")),
        (_("Functions"), ("areas", "items", "guideline_items")),
        (_("Links, sources and licence"), ("urls", "sources", "licence", "tags")),
        (
            _("Digital unification"),
            (
                "unification_type",
                "unity_basis",
                "dispersal_cause",
                "material_types",
                "material_languages",
                "scale_items",
                "scale_holders",
                "metadata_standards",
                "iiif",
                "platform_model",
            ),
        ),
        (_("Experience"), ("funding", "outreach", "sustainability", "lessons")),
    )

    def __init__(self, *args, kinds=(), languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _blank(kinds)
        self.fields["language"].choices = _blank(languages)

    @classmethod
    def initial_for(cls, content: dict, **extra) -> dict:
        """The form's values for a stored content (lists one entry a line)."""
        return {**{name: as_text(name, content.get(name)) for name in FIELDS}, **extra}

    def groups(self):
        for title, names in self.GROUPS:
            yield title, [self[name] for name in names]

    def content(self) -> dict:
        """The typed content as the service takes it (unchecked)."""
        data = self.cleaned_data
        return {name: from_text(name, data.get(name)) for name in FIELDS}

    def add_service_errors(self, exc) -> None:
        """The service's errors are keyed by content field; show each at its field."""
        for name, messages in getattr(exc, "message_dict", {None: exc.messages}).items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def as_text(name: str, value) -> str:
    """A stored value as typed in the form."""
    if value is None:
        return ""
    if name in PARTS:
        return "\n".join(_line(name, entry) for entry in value)
    if name in LINE_LISTS:
        return "\n".join(str(v) for v in value)
    if name == "iiif":
        return "yes" if value else "no"
    return str(value)


def _line(name: str, entry) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    parts = [str(entry.get(key) or "") for key in PARTS[name]]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return SEPARATOR.join(parts)


def from_text(name: str, text):
    """A typed value as the service takes it: lists split by line, entries by "|"."""
    text = "" if text is None else str(text)
    if name in PARTS:
        return [_entry(name, line) for line in _typed_lines(text)]
    if name in LINE_LISTS:
        return _typed_lines(text)
    return text


def _typed_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _entry(name: str, line: str) -> dict:
    parts = [p.strip() for p in line.split("|")]
    if name == "sources" and len(parts) == 1 and parts[0].startswith(("http://", "https://")):
        parts = ["", parts[0]]
    keys = PARTS[name]
    return {key: parts[n] if n < len(parts) else "" for n, key in enumerate(keys)}


class ActionForm(forms.Form):
    """Submit, publish, send back, archive, accept, decline, revert: a version and a comment."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is allowed. Comments are public and signed with your name."),
    )


class HideCommentForm(forms.Form):
    reason = forms.CharField(label=_("Why hide it"), max_length=300)


class EndorseForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you say"), choices=EndorsementKind.choices)
    library = forms.CharField(label=_("For the library"), required=False)


class ImportForm(forms.Form):
    FORMATS = (("", _("from the file name (.json or .csv)")), ("json", "JSON"), ("csv", "CSV"))

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "The same fields as the downloads. Every record is checked first; nothing is saved "
            "if one is wrong."
        ),
    )
    fmt = forms.ChoiceField(label=_("Format"), choices=FORMATS, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None and not data.get("fmt"):
            data["fmt"] = "csv" if upload.name.lower().endswith(".csv") else "json"
        return data


class KindForm(forms.Form):
    slug = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Short, lower case, e.g. preservation.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    name_fr = forms.CharField(label=_("Name in French"), max_length=100, required=False)
