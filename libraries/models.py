"""The registry: regions (UN M49), countries (ISO 3166), organisations, libraries, memberships."""

import unicodedata

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import FactStatus
from core.models import Versioned

from .choices import MembershipRole, MembershipStatus, OrganisationKind, RegionLevel

qid_validator = RegexValidator(r"^Q[1-9][0-9]*$", _("A Wikidata QID looks like Q12345."))
iso2_validator = RegexValidator(r"^[A-Z]{2}$", _("Two capital letters, e.g. FR."))
iso3_validator = RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. FRA."))
isil_validator = RegexValidator(
    r"^[A-Za-z0-9]{1,4}-[A-Za-z0-9:/\-]{1,11}$", _("An ISIL looks like FR-751131015.")
)
EARLIEST_FOUNDING_YEAR = 1000


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def validate_not_future_year(value: int) -> None:
    from django.core.exceptions import ValidationError

    if value is not None and value > timezone.now().year:
        raise ValidationError(
            _("%(year)s is in the future."), code="future_year", params={"year": value}
        )


class Region(models.Model):
    """A UN M49 geographic region, sub-region or intermediate region."""

    code = models.CharField(_("M49 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        param = "region" if self.level == RegionLevel.REGION else "subregion"
        return f"{reverse('libraries:list')}?{param}={self.code}"


class Country(models.Model):
    """A country or territory, keyed by its ISO 3166-1 alpha-2 code (XK for Kosovo)."""

    iso2 = models.CharField(
        _("ISO 3166 alpha-2"), max_length=2, primary_key=True, validators=[iso2_validator]
    )
    iso3 = models.CharField(
        _("ISO 3166 alpha-3"), max_length=3, unique=True, validators=[iso3_validator]
    )
    numeric = models.CharField(_("ISO numeric"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="countries",
    )
    subregion = models.ForeignKey(
        Region,
        verbose_name=_("sub-region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subregion_countries",
    )
    intermediate_region = models.ForeignKey(
        Region,
        verbose_name=_("intermediate region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intermediate_countries",
    )
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('libraries:list')}?country={self.iso2}"


class Organisation(Versioned):
    """A body national libraries belong to (CDNL, CENL, CDNL-AO, ABINIA, CONSAL, IFLA…)."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    native_name = models.CharField(_("name in its own language"), max_length=300, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    scope = models.CharField(_("scope"), max_length=100, blank=True)
    region_served = models.CharField(_("region served"), max_length=200, blank=True)
    founded = models.PositiveSmallIntegerField(
        _("founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), validate_not_future_year],
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(_("source"), blank=True)
    status = models.CharField(
        _("verification"),
        max_length=12,
        choices=FactStatus.choices,
        default=FactStatus.UNVERIFIED,
    )

    history_fields = (
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
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.slug])


class Library(Versioned):
    """A national library (or the institution that acts as one) of a country or territory.

    Each fact carries its own provenance in `facts`: {fact: {"status": ..., "source": ...}}, so
    users see which values a moderator or a cited source has verified.
    """

    FACTS = (
        "name",
        "native_name",
        "wikidata_qid",
        "city",
        "founded",
        "website",
        "isil",
        "coordinates",
    )

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=300)
    native_name = models.CharField(_("name in its own language"), max_length=300, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="libraries"
    )
    wikidata_qid = models.CharField(
        _("Wikidata QID"), max_length=20, blank=True, validators=[qid_validator]
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    founded = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_FOUNDING_YEAR), validate_not_future_year],
    )
    website = models.URLField(_("website"), blank=True, max_length=300)
    isil = models.CharField(_("ISIL"), max_length=16, blank=True, validators=[isil_validator])
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("description"), blank=True)
    facts = models.JSONField(_("provenance of facts"), default=dict, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        editable=False,
        help_text=_("Generated for load tests and demonstrations; not a real library."),
    )
    source_note = models.TextField(_("sources"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="libraries", blank=True
    )

    history_fields = (
        "name",
        "native_name",
        "country",
        "wikidata_qid",
        "city",
        "founded",
        "website",
        "isil",
        "latitude",
        "longitude",
        "description",
        "source_note",
    )

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata_qid"],
                condition=~Q(wikidata_qid=""),
                name="library_unique_qid",
                violation_error_code="unique",
                violation_error_message=_("Another library already has this Wikidata QID."),
            ),
            models.UniqueConstraint(
                fields=["country", "name"],
                name="library_unique_country_name",
                violation_error_message=_("This country already has a library with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("libraries:detail", args=[self.slug])

    def save(self, *args, **kwargs):
        # Accent- and case-free text, so "bibliotheque" finds "Bibliothèque" on every database.
        self.search_text = normalise(
            " ".join([self.name, self.native_name, self.city, self.wikidata_qid, self.isil])
        )
        super().save(*args, **kwargs)

    @property
    def wikidata_url(self) -> str:
        return f"https://www.wikidata.org/wiki/{self.wikidata_qid}" if self.wikidata_qid else ""

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def fact_status(self, fact: str) -> str:
        return (self.facts.get(fact) or {}).get("status", FactStatus.UNVERIFIED)

    def fact_source(self, fact: str) -> str:
        return (self.facts.get(fact) or {}).get("source", "")

    def snapshot(self) -> dict:
        values = super().snapshot()
        for fact in self.FACTS:
            values[f"status:{fact}"] = self.fact_status(fact)
        return values

    def restore(self, values: dict) -> None:
        super().restore(values)
        facts = {k: dict(v) for k, v in self.facts.items()}
        for key, status in values.items():
            if key.startswith("status:"):
                facts.setdefault(key.removeprefix("status:"), {})["status"] = status
        self.facts = facts

    @classmethod
    def history_label(cls, name: str) -> str:
        if name.startswith("status:"):
            fact = name.removeprefix("status:")
            return str(_("verification of %(fact)s") % {"fact": fact_label(fact)})
        return super().history_label(name)


def fact_label(fact: str) -> str:
    if fact == "coordinates":
        return str(_("coordinates"))
    return str(Library._meta.get_field(fact).verbose_name)


class Membership(Versioned):
    """A library's membership of an organisation, confirmed or inferred from a rule."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.CONFIRMED,
    )
    role = models.CharField(
        _("role"), max_length=12, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.TextField(_("source"), blank=True)

    history_fields = ("status", "role", "note", "source")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "organisation"],
                name="membership_unique",
                violation_error_message=_("This library is already listed in this organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.library} — {self.organisation}"

    def get_absolute_url(self) -> str:
        return self.library.get_absolute_url()

    def related_for_history(self):
        return self.library

    def snapshot(self) -> dict:
        # Names rather than ids, so the history reads well; they never change after creation.
        return {"organisation": self.organisation.code, **super().snapshot()}
