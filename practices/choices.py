from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PracticeStatus(models.TextChoices):
    """Where a record stands in moderation."""

    DRAFT = "draft", pgettext_lazy("practice", "draft")
    SUBMITTED = "submitted", pgettext_lazy("practice", "submitted for review")
    PUBLISHED = "published", pgettext_lazy("practice", "published")
    ARCHIVED = "archived", pgettext_lazy("practice", "archived")


class ProjectStatus(models.TextChoices):
    """Where the project itself stands."""

    PLANNED = "planned", pgettext_lazy("project", "planned")
    ONGOING = "ongoing", pgettext_lazy("project", "ongoing")
    COMPLETED = "completed", pgettext_lazy("project", "completed")
    FROZEN = "frozen", pgettext_lazy("project", "frozen (no longer updated)")


class InstitutionRole(models.TextChoices):
    LEAD = "lead", _("lead")
    HOLDER = "holder", _("holder of material")
    PARTNER = "partner", _("partner")
    FUNDER = "funder", _("funder")
    TECHNICAL = "technical", _("technical partner")
    COMMUNITY = "community", _("community")


class UnificationType(models.TextChoices):
    RECONSTITUTION = "reconstitution", _("reconstitution of a dispersed whole")
    THEMATIC = "thematic", _("thematic compilation")


class PlatformModel(models.TextChoices):
    PORTAL = "portal", _("central portal")
    FEDERATED = "federated", _("federated (IIIF or links to holders)")
    AGGREGATOR = "aggregator", _("contribution to an aggregator")
    EXHIBITION = "exhibition", _("virtual exhibition")
    OTHER = "other", _("other")


class RevisionKind(models.TextChoices):
    EDIT = "edit", _("edit")
    PROPOSAL = "proposal", _("proposed edit")
    REVERT = "revert", _("revert")
    IMPORT = "import", _("import")
    SEED = "seed", _("seed data")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a moderator")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class EndorsementKind(models.TextChoices):
    USEFUL = "useful", _("useful")
    DID_TOO = "did_too", _("we did this too")
