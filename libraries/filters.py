"""One filter per list, shared by the HTML page, its CSV/JSON export and the API."""

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import LibrarySort, RegionLevel
from .models import Country, Library, Membership, Organisation, Region, normalise

SORTS = {
    LibrarySort.NAME: ("name",),
    LibrarySort.COUNTRY: ("country__name", "name"),
    # Libraries without a year last on every database (SQLite puts NULLs first, PostgreSQL last).
    LibrarySort.FOUNDED: (F("founded").asc(nulls_last=True), "name"),
    LibrarySort.RECENT: ("-updated_at", "name"),
}


class LibraryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Name, in English or its own language"), method="filter_q"
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        field_name="country__region",
        queryset=Region.objects.filter(level=RegionLevel.REGION),
        empty_label=_("All regions"),
    )
    subregion = django_filters.ModelChoiceFilter(
        label=_("Sub-region"),
        method="filter_subregion",
        queryset=Region.objects.exclude(level=RegionLevel.REGION),
        empty_label=_("All sub-regions"),
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        field_name="country",
        queryset=Country.objects.filter(libraries__isnull=False).distinct(),
        empty_label=_("All countries"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        method="filter_organisation",
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        empty_label=_("Any organisation"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=LibrarySort.choices,
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Library
        fields = ["q", "region", "subregion", "country", "organisation", "sort"]

    def filter_q(self, queryset, name, value):
        words = normalise(value).split()
        for word in words[:10]:
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_subregion(self, queryset, name, value: str):
        return queryset.filter(Q(country__subregion=value) | Q(country__intermediate_region=value))

    def filter_organisation(self, queryset, name, value: str):
        return queryset.filter(memberships__organisation=value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS[LibrarySort.NAME]))


class MembershipFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(field_name="organisation__slug")
    library = django_filters.CharFilter(field_name="library__slug")

    class Meta:
        model = Membership
        fields = ["organisation", "library", "status", "role"]


class CountryFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    subregion = django_filters.CharFilter(field_name="subregion__code")
    has_library = django_filters.BooleanFilter(method="filter_has_library")

    class Meta:
        model = Country
        fields = ["region", "subregion", "has_library"]

    def filter_has_library(self, queryset, name, value):
        return queryset.filter(libraries__isnull=not value).distinct()
