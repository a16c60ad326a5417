"""Forms: one area of a profile, reviews, imports, and the moderators' framework and rounds."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import EditMetaForm

from .choices import AnswerType
from .models import Item, Round
from .values import MULTI_SEPARATOR, UNKNOWN

NOT_ANSWERED = ("", _("— not answered —"))
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ProfileAreaForm(forms.Form):
    """The answers to one area's items: value, evidence, source and since-year per item.

    Values are checked by the service (the same rules as the API and imports); the form only
    collects them, so an error names the item whichever way the answer came in.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Note for the history (optional)"), max_length=2000, required=False
    )

    def __init__(self, *args, items: list[Item], answers: dict[str, dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            answer = answers.get(item.code) or {}
            self.fields[f"{item.code}-value"] = _value_field(item, answer.get("value", ""))
            self.fields[f"{item.code}-note"] = forms.CharField(
                label=_("Evidence or comment"),
                required=False,
                max_length=4000,
                initial=answer.get("note", ""),
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            self.fields[f"{item.code}-source_url"] = forms.CharField(
                label=_("Source (web address)"),
                required=False,
                initial=answer.get("source_url", ""),
                widget=forms.URLInput,
            )
            self.fields[f"{item.code}-since"] = forms.CharField(
                label=_("Since (year)"),
                required=False,
                initial=answer.get("since", ""),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
            )

    def rows(self):
        """For the template: each item with its four bound fields."""
        for item in self.items:
            yield item, [self[f"{item.code}-{name}"] for name in _PARTS]

    def answers(self) -> dict[str, dict]:
        data = self.cleaned_data
        result = {}
        for item in self.items:
            value = data.get(f"{item.code}-value")
            if isinstance(value, list):
                value = _multi(value)
            result[item.code] = {
                "value": value,
                **{name: data.get(f"{item.code}-{name}", "") for name in _PARTS[1:]},
            }
        return result

    def add_service_errors(self, exc) -> None:
        """Errors from the service are keyed by item code; show them at that item's answer."""
        for code, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
            field = f"{code}-value" if f"{code}-value" in self.fields else None
            for message in messages:
                self.add_error(field, message)


_PARTS = ("value", "note", "source_url", "since")


def _value_field(item: Item, value: str) -> forms.Field:
    label = f"{item.code} {item.label}"
    help_text = item.help_text
    if item.answer_type == AnswerType.MULTI:
        choices = [(o, o) for o in item.options]
        choices += [("none", _("none of these")), (UNKNOWN, _("unknown"))]
        initial = value.split(MULTI_SEPARATOR) if value else []
        return forms.MultipleChoiceField(
            label=label,
            choices=choices,
            required=False,
            initial=initial,
            help_text=help_text,
            widget=forms.CheckboxSelectMultiple,
        )
    if item.is_categorical:
        choices = [NOT_ANSWERED] + [(c, item.value_label(c)) for c in item.choices]
        if UNKNOWN not in item.choices:
            choices.append((UNKNOWN, _("unknown")))
        return forms.ChoiceField(
            label=label, choices=choices, required=False, initial=value, help_text=help_text
        )
    if item.answer_type == AnswerType.TEXT:
        widget = forms.Textarea(attrs={"rows": 2})
    elif item.answer_type == AnswerType.URL:
        widget = forms.URLInput
    else:
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
        if item.unit:
            help_text = (help_text + " " if help_text else "") + str(
                _("Unit: %(unit)s. Write “unknown” if nobody knows.") % {"unit": item.unit}
            )
    return forms.CharField(
        label=label, required=False, initial=value, help_text=help_text, widget=widget
    )


def _multi(values: list[str]) -> str:
    if UNKNOWN in values:
        return UNKNOWN
    chosen = [v for v in values if v != "none"]
    if not chosen:
        return "none" if "none" in values else ""
    return MULTI_SEPARATOR.join(chosen)


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment to the contributors"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when sending back: say what needs to change."),
    )


class ImportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("The same columns as the CSV download. Nothing is saved if a row is wrong."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ItemForm(EditMetaForm, forms.ModelForm):
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One option per line, for choice items only."),
    )

    class Meta:
        model = Item
        fields = (
            "code",
            "area",
            "position",
            "text",
            "help_text",
            "answer_type",
            "unit",
            "per_capita",
        )
        widgets = {"help_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.initial["options"] = "\n".join(self.instance.options)
        translations = self.instance.translations if self.instance.pk else {}
        for code, name in translation_languages():
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Question in %(language)s") % {"language": name},
                required=False,
                max_length=300,
                initial=translations.get(code, ""),
            )

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def values(self) -> dict:
        values = {
            name: self.cleaned_data[name]
            for name in (*self.Meta.fields, "options")
            if name in self.cleaned_data and name != "code"
        }
        translations = dict(self.instance.translations) if self.instance.pk else {}
        for code, _name in translation_languages():
            text = self.cleaned_data.get(f"text_{code}", "").strip()
            if text:
                translations[code] = text
            else:
                translations.pop(code, None)
        values["translations"] = translations
        return values

    def _post_clean(self):
        pass  # the service validates the model with the values it saves


def translation_languages() -> list[tuple[str, str]]:
    """The interface languages other than English, in which reference data can be translated."""
    return [(code, str(name)) for code, name in settings.LANGUAGES if code != "en"]


class EditionForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("For example 2024."))
    title = forms.CharField(label=_("Title"), max_length=200)
    notes = forms.CharField(
        label=_("What changed since the last edition"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RoundForm(EditMetaForm, forms.ModelForm):
    class Meta:
        model = Round
        fields = (
            "slug",
            "name",
            "year",
            "edition",
            "opens_on",
            "closes_on",
            "status",
            "is_beta",
            "description",
        )
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        pass

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "reason")}


class CompareForm(forms.Form):
    libraries = forms.CharField(required=False)
    round = forms.IntegerField(required=False)
    differ = forms.BooleanField(required=False, label=_("Only where they differ"))
