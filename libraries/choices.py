from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    REGION = "region", _("region")
    SUBREGION = "subregion", _("sub-region")
    INTERMEDIATE = "intermediate", _("intermediate region")


class MembershipStatus(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("membership", "confirmed")
    INFERRED = "inferred", pgettext_lazy("membership", "inferred")


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    OBSERVER = "observer", _("observer")


class OrganisationKind(models.TextChoices):
    CONFERENCE = "conference", _("conference of directors")
    ASSOCIATION = "association", _("association")
    FEDERATION = "federation", _("federation")
    OTHER = "other", _("other")


class LibrarySort(models.TextChoices):
    NAME = "name", _("name")
    COUNTRY = "country", _("country")
    FOUNDED = "founded", _("founding year")
    RECENT = "recent", _("recently changed")
