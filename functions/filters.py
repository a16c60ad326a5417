"""Filters of the functions API lists: items, profiles and published answers."""

import django_filters
from django.db.models import Q

from .choices import AnswerType, ProfileStatus
from .models import Answer, Item, Profile


def _in_region(prefix: str, code: str) -> Q:
    """A region at any M49 level: region, sub-region or intermediate region."""
    return (
        Q(**{f"{prefix}country__region": code})
        | Q(**{f"{prefix}country__subregion": code})
        | Q(**{f"{prefix}country__intermediate_region": code})
    )


class ItemFilterSet(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", help_text="Area code, e.g. F01.")
    answer_type = django_filters.ChoiceFilter(choices=AnswerType.choices)
    retired = django_filters.BooleanFilter()

    class Meta:
        model = Item
        fields = ["area", "answer_type", "retired"]


class ProfileFilterSet(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="round__year", help_text="Round year.")
    library = django_filters.CharFilter(field_name="library__slug", help_text="Library slug.")
    status = django_filters.ChoiceFilter(choices=ProfileStatus.choices)
    country = django_filters.CharFilter(method="filter_country", help_text="ISO 3166 alpha-2.")
    region = django_filters.CharFilter(
        method="filter_region", help_text="M49 code of a region, sub-region or intermediate one."
    )
    demo = django_filters.BooleanFilter(field_name="is_demo", help_text="Generated demo data.")

    class Meta:
        model = Profile
        fields = ["round", "library", "status", "country", "region", "demo"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(library__country=value.strip().upper())

    def filter_region(self, queryset, name, value):
        return queryset.filter(_in_region("library__", value.strip()))


class AnswerFilterSet(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="profile__round__year", help_text="Round year.")
    item = django_filters.CharFilter(field_name="item__code", help_text="Item code, e.g. F01.1.")
    library = django_filters.CharFilter(
        field_name="profile__library__slug", help_text="Library slug."
    )
    country = django_filters.CharFilter(method="filter_country", help_text="ISO 3166 alpha-2.")
    region = django_filters.CharFilter(
        method="filter_region", help_text="M49 code of a region, sub-region or intermediate one."
    )
    value = django_filters.CharFilter(
        help_text="The stored value, e.g. nl, yes, 1998 (several choices are joined with ;)."
    )

    class Meta:
        model = Answer
        fields = ["round", "item", "library", "country", "region", "value"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(profile__library__country=value.strip().upper())

    def filter_region(self, queryset, name, value):
        return queryset.filter(_in_region("profile__library__", value.strip()))
