"""The filter for the site-wide change list, shared by the page, the feed and the API."""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from libraries.models import Library

from .choices import ChangeAction
from .models import Change

# Kinds of object shown in the filter, by app label and model name.
KINDS = (
    ("libraries.library", _("library")),
    ("libraries.organisation", _("organisation")),
    ("libraries.membership", _("membership")),
    ("accounts.affiliation", _("affiliation")),
    ("accounts.user", _("user")),
)


class ChangeFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind of object"), choices=KINDS, method="filter_kind"
    )
    library = django_filters.CharFilter(label=_("Library (address)"), method="filter_library")
    user = django_filters.CharFilter(label=_("User"), method="filter_user")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ChangeAction.choices)
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("Until"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Change
        fields = ["kind", "library", "user", "action", "since", "until"]

    def filter_kind(self, queryset, name, value):
        app_label, model = value.split(".")
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        return queryset.filter(content_type=ct)

    def filter_library(self, queryset, name, value):
        ct = ContentType.objects.get_for_model(Library)
        ids = Library.objects.filter(slug=value.strip()).values_list("pk", flat=True)
        return queryset.filter(
            related_content_type=ct, related_object_id__in=[str(pk) for pk in ids]
        )

    def filter_user(self, queryset, name, value):
        return queryset.filter(user_name__icontains=value.strip())
