from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    VERIFY = "verify", _("verified facts")
    REVERT = "revert", _("reverted")


class FactStatus(models.TextChoices):
    """How far a fact can be trusted; shown to every user next to the fact."""

    VERIFIED = "verified", _("verified")
    UNVERIFIED = "unverified", _("unverified")
    INFERRED = "inferred", _("inferred")
