"""The function framework (areas, items, editions), data-collection rounds, profiles and answers.

Items keep their code for ever: rewording keeps the code, a new meaning needs a new code, and a
retired code is never given to another item. An edition freezes the framework as a round asks
it, so an older round still shows the questions its answers replied to.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import Versioned
from libraries.models import Library

from . import values
from .choices import (
    WEIGHT_FACTORS,
    AnswerType,
    EditionStatus,
    Performance,
    ProfileStatus,
    RoundStatus,
    Weight,
    YesNo,
)

area_code_validator = RegexValidator(r"^F[0-9]{2}$", _("An area code looks like F01."))
item_code_validator = RegexValidator(
    r"^F[0-9]{2}\.[0-9]{1,2}$", _("An item code looks like F01.3.")
)

ANSWER_KEYS = ("answer", "note", "source", "since")


def translated(translations: dict, english: str) -> str:
    """Reference data is written in English and translated per language code of the
    interface ("fr", "zh-hans"…); a text under the bare language ("zh") serves too."""
    language = get_language() or "en"
    texts = translations or {}
    return texts.get(language) or texts.get(language.split("-")[0]) or english


class Area(Versioned):
    """A group of functions (e.g. F01 Legal deposit), with the weight its items carry."""

    code = models.CharField(_("code"), max_length=4, unique=True, validators=[area_code_validator])
    name = models.CharField(_("name"), max_length=200)
    weight = models.CharField(_("weight"), max_length=10, choices=Weight.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.TextField(_("description"), blank=True)
    translations = models.JSONField(
        _("translations"), default=dict, blank=True, help_text=_("The name in other languages.")
    )

    history_fields = ("name", "weight", "position", "description", "translations")

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def get_absolute_url(self) -> str:
        return f"{reverse('functions:framework')}#{self.code}"

    @property
    def label(self) -> str:
        """The name in the reader's language, or in English where no translation exists."""
        return translated(self.translations, self.name)

    @property
    def weight_factor(self) -> float:
        return WEIGHT_FACTORS[self.weight]


class Item(Versioned):
    """One question of the framework, answered once per library and round."""

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[item_code_validator])
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(_("guidance"), blank=True)
    answer_type = models.CharField(_("answer type"), max_length=12, choices=AnswerType.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    per_capita = models.BooleanField(
        _("per capita on maps"),
        default=False,
        help_text=_("Numbers that grow with the population can be mapped per million people."),
    )
    retired = models.BooleanField(_("retired"), default=False)
    translations = models.JSONField(
        _("translations"), default=dict, blank=True, help_text=_("The question in other languages.")
    )

    history_fields = (
        "area",
        "position",
        "text",
        "help_text",
        "answer_type",
        "options",
        "unit",
        "per_capita",
        "retired",
        "translations",
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["area__position", "area__code", "position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("functions:item", args=[self.code])

    @property
    def label(self) -> str:
        """The question in the reader's language, or in English where no translation exists."""
        return translated(self.translations, self.text)

    def clean(self) -> None:
        categorical = self.answer_type in (AnswerType.CHOICE, AnswerType.MULTI)
        if categorical and len(self.options or []) < 2:
            raise ValidationError({"options": _("Give at least two options.")})
        if not categorical and self.options:
            raise ValidationError({"options": _("Only choice items have options.")})
        bad = [o for o in self.options or [] if not str(o).strip() or values.MULTI_SEPARATOR in o]
        if bad or len(set(self.options or [])) != len(self.options or []):
            raise ValidationError(
                {"options": _("Options must be distinct, not empty, and contain no “;”.")}
            )
        if self.answer_type == AnswerType.MULTI and "none" in (self.options or []):
            raise ValidationError({"options": _("“none” is implied: leave it out.")})
        if self.code and self.area_id and not self.code.startswith(self.area.code + "."):
            raise ValidationError({"code": _("The code must start with its area's code.")})

    def snapshot(self) -> dict:
        return {**super().snapshot(), "area": self.area.code}

    def restore(self, values_: dict) -> None:
        values_ = dict(values_)
        if "area" in values_:
            self.area = Area.objects.get(code=values_.pop("area"))
        super().restore(values_)

    @property
    def choices(self) -> list[str]:
        return values.options_for(self.answer_type, self.options)

    @property
    def is_categorical(self) -> bool:
        return self.answer_type in (
            AnswerType.PERFORMANCE,
            AnswerType.YESNO,
            AnswerType.CHOICE,
            AnswerType.MULTI,
        )

    @property
    def is_numeric(self) -> bool:
        return self.answer_type in (AnswerType.NUMBER, AnswerType.YEAR)

    @property
    def in_similarity(self) -> bool:
        return (
            self.answer_type not in (AnswerType.TEXT, AnswerType.URL)
            and self.area.weight != Weight.CONTEXT
        )

    def clean_value(self, raw) -> str:
        return values.clean(self.answer_type, self.options, raw)

    def value_label(self, value: str) -> str:
        """The readable form of a stored value, in the reader's language."""
        if value == "":
            return str(_("not answered"))
        if value == values.UNKNOWN:
            return str(_("unknown"))
        if self.answer_type == AnswerType.PERFORMANCE:
            return str(Performance(value).label) if value in Performance.values else value
        if self.answer_type == AnswerType.YESNO:
            return str(YesNo(value).label) if value in YesNo.values else value
        if self.answer_type == AnswerType.MULTI:
            chosen = values.parts(value)
            return ", ".join(chosen) if chosen else str(_("none of these"))
        if self.answer_type == AnswerType.NUMBER and self.unit:
            return f"{value} {self.unit}"
        return value


class FrameworkEdition(Versioned):
    """The framework frozen as a round asks it: areas and items with their wording."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notes = models.TextField(_("what changed"), blank=True)
    content = models.JSONField(_("framework"), default=dict, blank=True, editable=False)

    history_fields = ("code", "title", "status", "notes")

    class Meta:
        verbose_name = _("framework edition")
        verbose_name_plural = _("framework editions")
        ordering = ["-published_at", "code"]

    def __str__(self) -> str:
        return self.title or self.code

    def get_absolute_url(self) -> str:
        return f"{reverse('functions:framework')}?edition={self.code}"

    def item_codes(self) -> list[str]:
        return [item["code"] for area in self.content.get("areas", []) for item in area["items"]]

    def item_text(self) -> dict[str, str]:
        return {
            item["code"]: item["text"]
            for area in self.content.get("areas", [])
            for item in area["items"]
        }


class Round(Versioned):
    """A data-collection round: which edition it asks, when it is open, its status."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("reference year"), unique=True, validators=[MinValueValidator(2000)]
    )
    edition = models.ForeignKey(
        FrameworkEdition,
        verbose_name=_("framework edition"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    is_beta = models.BooleanField(_("beta round"), default=False)
    description = models.TextField(_("description"), blank=True)
    # Raised whenever what this round has published changes; keys the cached similarity.
    results_version = models.PositiveIntegerField(default=0, editable=False)

    history_fields = (
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

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('functions:participation')}?round={self.year}"

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("A round cannot close before it opens.")})
        if self.edition_id and self.edition.status != EditionStatus.PUBLISHED:
            raise ValidationError({"edition": _("A round asks a published edition.")})


class Profile(Versioned):
    """One library's answers for one round, reviewed by a moderator before publication.

    The answers are part of the profile's snapshot, so every change to them is in the profile's
    history, can be compared and reverted like any other field.
    """

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="profiles"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="profiles"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProfileStatus.choices, default=ProfileStatus.DRAFT
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        editable=False,
        help_text=_("Generated to demonstrate the platform; not the library's real answers."),
    )
    answered = models.PositiveSmallIntegerField(_("answered items"), default=0, editable=False)

    # The reviewer's comment is for the contributors: it is in the (private) log entry of the
    # send-back, not in the public snapshot.
    history_fields = ("status",)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["-round__year", "library__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "round"],
                name="profile_unique_library_round",
                violation_error_message=_("This library already has a profile for this round."),
            )
        ]
        indexes = [models.Index(fields=["round", "status"], name="profile_round_status_idx")]

    def __str__(self) -> str:
        return _("%(library)s, %(round)s") % {"library": self.library, "round": self.round}

    def get_absolute_url(self) -> str:
        return reverse("functions:profile", args=[self.library.slug, self.round.year])

    def related_for_history(self):
        return self

    def change_is_public(self) -> bool:
        """Work on a profile is public once it is published; drafts are for their editors."""
        return self.status == ProfileStatus.PUBLISHED

    @property
    def is_published(self) -> bool:
        return self.status == ProfileStatus.PUBLISHED

    @property
    def completeness(self) -> float:
        total = len(self.round.edition.item_codes())
        return self.answered / total if total else 0.0

    # Answers as part of the snapshot ------------------------------------------------------

    def answer_map(self) -> dict[str, dict]:
        """{item code: {"value", "note", "source_url", "since"}} with pending changes applied."""
        if getattr(self, "_answers", None) is None:
            rows = self.answers.select_related("item") if self.pk else []
            self._answers = {a.item.code: a.as_dict() for a in rows}
        return self._answers

    def set_answers(self, changes: dict[str, dict | None]) -> None:
        """Stage answers (None removes one); written when the profile is saved."""
        current = dict(self.answer_map())
        for code, answer in changes.items():
            if answer is None or not answer.get("value"):
                current.pop(code, None)
            else:
                current[code] = answer
        self._answers = current
        self._answers_dirty = True

    def snapshot(self) -> dict:
        snap = super().snapshot()
        answers = self.answer_map()
        for code in self.round.edition.item_codes():
            answer = answers.get(code) or {}
            snap[f"answer:{code}"] = answer.get("value") or None
            snap[f"note:{code}"] = answer.get("note") or None
            snap[f"source:{code}"] = answer.get("source_url") or None
            snap[f"since:{code}"] = answer.get("since") or None
        return snap

    def restore(self, values_: dict) -> None:
        super().restore(values_)
        changes: dict[str, dict] = {}
        answers = self.answer_map()
        for key, value in values_.items():
            kind, _sep, code = key.partition(":")
            if kind in ANSWER_KEYS and code:
                answer = changes.setdefault(code, dict(answers.get(code) or {}))
                answer[_SNAPSHOT_FIELD[kind]] = value or ""
        self.set_answers(changes)

    @classmethod
    def history_label(cls, name: str) -> str:
        kind, _sep, code = name.partition(":")
        labels = {
            "answer": _("%(code)s answer"),
            "note": _("%(code)s evidence"),
            "source": _("%(code)s source"),
            "since": _("%(code)s since"),
        }
        if kind in labels and code:
            return str(labels[kind] % {"code": code})
        return super().history_label(name)

    @classmethod
    def from_db(cls, db, field_names, values_):
        profile = super().from_db(db, field_names, values_)
        profile._stored_status = getattr(profile, "status", None)
        return profile

    def save(self, *args, **kwargs):
        dirty = getattr(self, "_answers_dirty", False)
        if dirty:
            self.answered = sum(1 for a in self._answers.values() if a.get("value"))
        was_published = getattr(self, "_stored_status", None) == ProfileStatus.PUBLISHED
        super().save(*args, **kwargs)
        if dirty:
            _write_answers(self)
            self._answers_dirty = False
        published = self.status == ProfileStatus.PUBLISHED
        if (dirty and published) or was_published != published:
            # Whatever path changed what the round publishes (an edit, an import, a revert of
            # answers or of a publication), its cached similarity must be computed again.
            Round.objects.filter(pk=self.round_id).update(
                results_version=models.F("results_version") + 1
            )
        self._stored_status = self.status


_SNAPSHOT_FIELD = {"answer": "value", "note": "note", "source": "source_url", "since": "since"}


def _write_answers(profile: Profile) -> None:
    """Make the answer rows match the staged answers: create, update or delete as needed."""
    wanted = profile._answers
    existing = {a.item.code: a for a in profile.answers.select_related("item")}
    items = {i.code: i for i in Item.objects.filter(code__in=set(wanted) - set(existing))}
    Answer.objects.filter(pk__in=[a.pk for c, a in existing.items() if c not in wanted]).delete()
    changed, created = [], []
    for code, data in wanted.items():
        answer = existing.get(code) or Answer(profile=profile, item=items[code])
        fields = Answer.from_dict(data)
        if answer.pk and all(getattr(answer, k) == v for k, v in fields.items()):
            continue
        for name, value in fields.items():
            setattr(answer, name, value)
        (changed if answer.pk else created).append(answer)
    Answer.objects.bulk_create(created)
    Answer.objects.bulk_update(changed, ["value", "note", "source_url", "since"])


class Answer(models.Model):
    """One library's answer to one item in one round (through its profile)."""

    profile = models.ForeignKey(
        Profile, verbose_name=_("profile"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="answers"
    )
    value = models.CharField(_("answer"), max_length=2000)
    note = models.TextField(_("evidence"), blank=True)
    source_url = models.URLField(_("source"), blank=True, max_length=500)
    since = models.PositiveSmallIntegerField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["item__area__position", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "item"],
                name="answer_unique_profile_item",
                violation_error_message=_("This item is already answered in this profile."),
            )
        ]
        indexes = [models.Index(fields=["item", "profile"], name="answer_item_profile_idx")]

    def __str__(self) -> str:
        return f"{self.profile}: {self.item.code} = {self.value}"

    def get_absolute_url(self) -> str:
        return self.profile.get_absolute_url()

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "note": self.note,
            "source_url": self.source_url,
            "since": str(self.since) if self.since else "",
        }

    @staticmethod
    def from_dict(data: dict) -> dict:
        since = data.get("since")
        return {
            "value": data.get("value") or "",
            "note": data.get("note") or "",
            "source_url": data.get("source_url") or "",
            "since": int(since) if since else None,
        }
