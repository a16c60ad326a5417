"""Case studies and best practices: records with complete-snapshot revisions, moderation,
proposed edits, comments, endorsements and counted views.

A practice points at two revisions: `current` (the working copy its authors and moderators edit)
and `published` (what visitors read). The columns used to list, search and filter published
practices are copied from the published revision when it changes, so a list never reads JSON.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, Versioned
from libraries.models import Country, Library

from .choices import (
    EndorsementKind,
    PracticeStatus,
    ProjectStatus,
    ProposalStatus,
    RevisionKind,
)
from .content import FIELDS, render_markdown


class FullTextMatchField(models.TextField):
    """An SQLite FTS5 table's own hidden column: `field__match="words"` becomes MATCH."""


@FullTextMatchField.register_lookup
class Match(models.Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_code() -> str:
    """An opaque, readable public code, e.g. "p-7hq2xk": stable whatever the title becomes."""
    return "p-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


class Kind(Versioned):
    """A kind of practice (digital unification project, best practice…); moderators add kinds."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history_fields = ("name", "translations", "position")

    class Meta:
        verbose_name = _("kind of practice")
        verbose_name_plural = _("kinds of practice")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        from functions.models import translated

        return translated(self.translations, self.name)

    def get_absolute_url(self) -> str:
        return f"{reverse('practices:list')}?kind={self.slug}"


class Practice(Versioned):
    """One case study or best practice."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code)
    status = models.CharField(
        _("status"), max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT
    )
    kind = models.ForeignKey(
        Kind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="practices"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="practices", blank=True
    )
    current = models.ForeignKey(
        "Revision",
        verbose_name=_("working copy"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published = models.ForeignKey(
        "Revision",
        verbose_name=_("published revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, db_index=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    # Copied from the published revision, for lists, facets and search.
    title = models.CharField(_("title"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, db_index=True)
    project_status = models.CharField(
        _("project status"), max_length=10, choices=ProjectStatus.choices, blank=True
    )
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    # Where a seeded record came from, so loading the seed again never duplicates it even after
    # a moderator corrected its title.
    source_key = models.CharField(max_length=120, editable=False, blank=True, db_index=True)
    countries = models.ManyToManyField(Country, related_name="practices", blank=True)
    libraries = models.ManyToManyField(Library, related_name="practices", blank=True)
    areas = models.ManyToManyField("functions.Area", related_name="practices", blank=True)
    items = models.ManyToManyField("functions.Item", related_name="practices", blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)

    history_fields = ("status", "kind")
    revertible_in_change_log = False  # restored from its revisions (services.revert_to)

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["-published_at", "-id"]
        indexes = [
            # Each lets a list read the ids of public practices with what it filters or sorts
            # on from the index alone, without the rows.
            models.Index(fields=["status", "kind", "id"], name="practice_status_kind_idx"),
            models.Index(fields=["status", "start_year", "id"], name="practice_status_year_idx"),
            models.Index(fields=["status", "published_at", "id"], name="practice_status_pub_idx"),
            models.Index(fields=["status", "view_count", "id"], name="practice_status_views_idx"),
        ]

    def __str__(self) -> str:
        return self.title or (self.current.content.get("title") if self.current else self.code)

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", args=[self.code])

    def related_for_history(self):
        return self

    def change_is_public(self) -> bool:
        return self.published_id is not None and self.status != PracticeStatus.DRAFT

    def snapshot(self) -> dict:
        """Status, kind and the working copy's content: what the change log compares."""
        values = {"status": self.status, "kind": self.kind.slug if self.kind_id else None}
        content = self.current.content if self.current_id else {}
        values.update({name: content.get(name) for name in FIELDS if name != "kind"})
        return values

    @classmethod
    def history_label(cls, name: str) -> str:
        if name in FIELDS:
            return str(FIELDS[name])
        return super().history_label(name)


class Revision(models.Model):
    """A complete snapshot of a practice's content, written once and never changed."""

    practice = models.ForeignKey(
        Practice, verbose_name=_("practice"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("number"))
    content = models.JSONField(_("content"))
    kind = models.CharField(
        _("kind of revision"),
        max_length=10,
        choices=RevisionKind.choices,
        default=RevisionKind.EDIT,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.ACCEPTED
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("by"), max_length=200, blank=True)
    message = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["practice", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "number"],
                name="revision_unique_number",
                violation_error_message=_("This revision number is taken."),
            )
        ]

    def __str__(self) -> str:
        return _("%(practice)s, revision %(n)s") % {
            "practice": self.practice.code,
            "n": self.number,
        }

    def get_absolute_url(self) -> str:
        return reverse("practices:revision", args=[self.practice.code, self.number])

    @property
    def title(self) -> str:
        return self.content.get("title", "")

    def body_html(self) -> str:
        return render_markdown(self.content.get("body", ""))


class Comment(TimeStampedModel):
    """A member's comment on a practice. Hidden comments stay in the database and the log."""

    practice = models.ForeignKey(
        Practice, verbose_name=_("practice"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("author"), max_length=200)
    body = models.TextField(_("comment"))
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("why it is hidden"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history_fields = ("hidden", "hidden_reason")

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return _("Comment by %(name)s") % {"name": self.author_name}

    def get_absolute_url(self) -> str:
        return f"{self.practice.get_absolute_url()}#comment-{self.pk}"

    def related_for_history(self):
        return self.practice

    def snapshot(self) -> dict:
        return {"hidden": self.hidden, "hidden_reason": self.hidden_reason}

    def change_is_public(self) -> bool:
        return False  # moderation of comments is for moderators

    @classmethod
    def history_label(cls, name: str) -> str:
        return str(cls._meta.get_field(name).verbose_name)

    def body_html(self) -> str:
        return render_markdown(self.body)


class Endorsement(models.Model):
    """A member says a practice is useful, or that their library did this too."""

    practice = models.ForeignKey(
        Practice, verbose_name=_("practice"), on_delete=models.CASCADE, related_name="endorsements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EndorsementKind.choices)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "user", "kind"],
                name="endorsement_unique",
                violation_error_message=_("You already said so."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.practice.code}"


class PracticeView(models.Model):
    """One visitor's view of a practice on one day (a hash, never the address itself)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="views")
    day = models.DateField(db_index=True)
    visitor = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("view")
        verbose_name_plural = _("views")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "day", "visitor"], name="practice_view_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.day}"


# Full-text search tables (see search.py). Each exists on one database only and is written by
# the database itself (PostgreSQL trigger) or by search.index() (SQLite); the models only let
# the ORM join and filter them.


class SearchDocument(models.Model):
    """PostgreSQL: the search vectors of a practice's published text, written by search.index()
    and removed with the practice by a trigger (migration 0003); `document` has a GIN index."""

    practice = models.OneToOneField(
        Practice,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the database cascades
        related_name="search_document",
        db_constraint=False,
    )
    document = SearchVectorField()  # everything: finds the matches
    head = SearchVectorField()  # title, summary, tags, institutions: ranks them

    class Meta:
        managed = False
        db_table = "practices_search"

    def __str__(self) -> str:
        return str(self.practice_id)


class SearchEntry(models.Model):
    """SQLite: a row of the FTS5 table (title, text), whose rowid is the practice's id.
    `document` is the hidden column named after the table, the left side of MATCH (written
    `search_entry__document__match=...`); `rank` is FTS5's rank,
    set to bm25 with the title weighted 10 (migration 0003)."""

    practice = models.OneToOneField(
        Practice,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="search_entry",
        db_constraint=False,
    )
    document = FullTextMatchField(db_column="practices_practice_fts")
    rank = models.FloatField()

    class Meta:
        managed = False
        db_table = "practices_practice_fts"

    def __str__(self) -> str:
        return str(self.practice_id)
