from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChangeAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("change action", "created")
    UPDATE = "update", pgettext_lazy("change action", "updated")
    DELETE = "delete", pgettext_lazy("change action", "deleted")
    VERIFY = "verify", pgettext_lazy("change action", "verified facts")
    REVERT = "revert", pgettext_lazy("change action", "reverted")


class FactStatus(models.TextChoices):
    """How far a fact can be trusted; shown to every user next to the fact."""

    VERIFIED = "verified", _("verified")
    UNVERIFIED = "unverified", _("unverified")
    INFERRED = "inferred", _("inferred")
