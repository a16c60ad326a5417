"""One filter for the list of practices: the page, its CSV/JSON export, the map and the API."""

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from libraries.choices import RegionLevel
from libraries.models import Country, Region

from . import search
from .choices import ProjectStatus
from .models import Kind, Practice

SORTS = (
    ("relevance", _("relevance")),
    ("recent", _("recently published")),
    ("title", _("title")),
    ("start", _("start year")),
    ("views", _("most viewed")),
)


class RegionFilter(django_filters.ModelChoiceFilter):
    """Practices with a country in the region: a subquery, not a join, so that a practice in
    two countries of the region is listed once without DISTINCT (which would make the database
    return the sort columns with every id)."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        links = Practice.countries.through.objects.filter(country__region=value)
        return qs.filter(pk__in=links.values("practice_id"))


class PracticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    kind = django_filters.ModelChoiceFilter(
        label=_("Kind"),
        queryset=Kind.objects.all(),
        to_field_name="slug",
        empty_label=_("All kinds"),
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        field_name="countries",
        queryset=Country.objects.all(),
        empty_label=_("All countries"),
    )
    region = RegionFilter(
        label=_("Region"),
        field_name="countries__region",
        queryset=Region.objects.filter(level=RegionLevel.REGION),
        empty_label=_("All regions"),
    )
    area = django_filters.CharFilter(label=_("Function area"), field_name="areas__code")
    item = django_filters.CharFilter(label=_("Function item"), field_name="items__code")
    library = django_filters.CharFilter(label=_("Library"), field_name="libraries__slug")
    period = django_filters.NumberFilter(label=_("Decade (start year)"), method="filter_period")
    status = django_filters.ChoiceFilter(
        label=_("Project status"),
        field_name="project_status",
        choices=ProjectStatus.choices,
        empty_label=_("Any status"),
    )
    language = django_filters.CharFilter(label=_("Language"), field_name="language")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORTS, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Practice
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, value)

    def filter_period(self, queryset, name, value):
        start = int(value) // 10 * 10
        return queryset.filter(start_year__gte=start, start_year__lt=start + 10)

    def filter_sort(self, queryset, name, value):
        return queryset  # applied in `qs`, after the search has annotated the rank

    @property
    def qs(self):
        queryset = super().qs
        sort = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        query = self.form.cleaned_data.get("q") if self.is_bound and self.is_valid() else ""
        if sort == "title":
            return queryset.order_by("title", "pk")
        if sort == "start":
            return queryset.order_by(F("start_year").asc(nulls_last=True), "-pk")
        if sort == "views":
            return queryset.order_by("-view_count", "-pk")
        if sort == "recent" or not search.terms(query or ""):
            return queryset.order_by(F("published_at").desc(nulls_last=True), "-pk")
        # Equal ranks: newest record first (the id, readable from the index alone).
        return queryset.order_by(*search.RELEVANCE)
