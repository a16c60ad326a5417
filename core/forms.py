from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _


class EditMetaForm(forms.Form):
    """The two fields every edit form carries: the version it started from and a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown in the history, e.g. “new website address announced on 3 May”."),
    )

    def add_service_errors(self, exc) -> None:
        """Attach a ValidationError from the service to the form's fields."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in errors:
                    self.add_error(target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class RevertForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reverting"), max_length=2000, required=False)


def https_urls(db_field, **kwargs):
    """Form fields for model fields, with "example.org" read as https://example.org."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)
