"""Forms for the registry. Each edit form carries the version it started from and a reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import EditMetaForm, https_urls

from .choices import MembershipRole, MembershipStatus
from .models import Library, Membership, Organisation, fact_label
from .permissions import MODERATOR_FIELDS


class LibraryForm(EditMetaForm, forms.ModelForm):
    class Meta:
        model = Library
        formfield_callback = https_urls
        fields = MODERATOR_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "source_note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "wikidata_qid": _("For example Q193563. Leave empty if the library has none."),
            "founded": _("The year the institution was founded."),
            "latitude": _("Decimal degrees, e.g. 48.8337."),
        }

    def __init__(self, *args, allowed_fields=MODERATOR_FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in allowed_fields and name not in ("version", "reason"):
                del self.fields[name]

    def changed_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name not in ("version", "reason")
        }

    def _post_clean(self):
        # Model validation runs in the service, so it sees the values actually saved.
        pass


class NewLibraryForm(LibraryForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]


class VerifyFactsForm(EditMetaForm):
    facts = forms.MultipleChoiceField(
        label=_("Facts you have checked"),
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.CharField(
        label=_("Source you checked them against"),
        required=False,
        max_length=500,
        help_text=_("For example an official web page or a published directory."),
    )

    def __init__(self, *args, library: Library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facts"].choices = [
            (fact, f"{fact_label(fact)} ({library.fact_status(fact)})")
            for fact in Library.FACTS
            if fact in library.facts
        ]
        self.fields["reason"].required = False


class OrganisationForm(EditMetaForm, forms.ModelForm):
    class Meta:
        model = Organisation
        formfield_callback = https_urls
        fields = [
            "code",
            "name",
            "native_name",
            "kind",
            "scope",
            "region_served",
            "founded",
            "website",
            "description",
            "source",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "source": forms.Textarea(attrs={"rows": 3}),
        }

    def changed_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name not in ("version", "reason")
        }

    def _post_clean(self):
        pass


class MembershipForm(EditMetaForm, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organisation", "status", "role", "note", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = MembershipStatus.CONFIRMED
        self.fields["role"].initial = MembershipRole.MEMBER
        if self.instance.pk:
            del self.fields["organisation"]

    def _post_clean(self):
        pass
