from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AnswerType(models.TextChoices):
    PERFORMANCE = "performance", _("who performs it")
    YESNO = "yesno", _("yes or no")
    CHOICE = "choice", _("one choice")
    MULTI = "multi", _("several choices")
    YEAR = "year", _("year")
    NUMBER = "number", _("number")
    TEXT = "text", _("text")
    URL = "url", _("web address")


class Weight(models.TextChoices):
    """How much an area counts in similarity: core functions twice as much, context not at all."""

    CORE = "core", _("core")
    EXTENDED = "extended", _("extended")
    CONTEXT = "context", _("context (descriptive only)")


WEIGHT_FACTORS = {Weight.CORE: 2.0, Weight.EXTENDED: 1.0, Weight.CONTEXT: 0.0}


class Performance(models.TextChoices):
    NL = "nl", _("the national library")
    SHARED = "shared", _("shared with other bodies")
    OTHER = "other", _("another national body")
    NONE = "none", _("not performed in the country")
    UNKNOWN = "unknown", _("unknown")


class YesNo(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("unknown")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("edition", "draft")
    PUBLISHED = "published", pgettext_lazy("edition", "published")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("round", "planned")
    OPEN = "open", pgettext_lazy("round", "open")
    CLOSED = "closed", pgettext_lazy("round", "closed")


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("profile", "draft")
    SUBMITTED = "submitted", pgettext_lazy("profile", "submitted for review")
    RETURNED = "returned", pgettext_lazy("profile", "sent back")
    PUBLISHED = "published", pgettext_lazy("profile", "published")
