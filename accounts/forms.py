from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language"]
        help_texts = {
            "display_name": _("Shown in the history next to your changes."),
            "preferred_language": _("Pages open in this language when you are signed in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [
            ("", _("Browser's choice")),
            *settings.LANGUAGES,
        ]


class AffiliationRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Your role at the library"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Tell the moderators who you are and how they can check it, "
            "e.g. your position and a staff page."
        ),
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the member"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
