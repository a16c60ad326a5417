"""Serializers of the practices API: a practice's content (to read and to write), practices,
revisions, comments and endorsements, moderation bodies, export and import records, and the
dashboard's figures; the querysets that carry what the practice serializers read; and reading
the content fields of a request body."""

from __future__ import annotations

import datetime
import re

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from libraries.models import Library

from .. import permissions
from ..choices import (
    EndorsementKind,
    InstitutionRole,
    PlatformModel,
    PracticeStatus,
    ProjectStatus,
    ProposalStatus,
    RevisionKind,
    UnificationType,
)
from ..models import Comment, Practice, Revision
from .schema import choice

# Content ------------------------------------------------------------------------------------


def _text(help_text: str = "", **kwargs):
    return serializers.CharField(required=False, allow_blank=True, help_text=help_text, **kwargs)


def _strings(help_text: str):
    return serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, help_text=help_text
    )


class InstitutionSerializer(serializers.Serializer):
    name = _text("Name of the institution (required).")
    role = choice(
        "InstitutionRoleEnum",
        InstitutionRole.choices,
        required=False,
        allow_blank=True,
        help_text="Blank means partner.",
    )
    library = _text("Slug of the national library in the atlas, if it is one.")
    country = _text("ISO 3166 alpha-2 code.")


class WebAddressSerializer(serializers.Serializer):
    url = _text("http(s) address (required).")
    archived_url = _text("An archived copy (e.g. the Wayback Machine).")
    label = _text()


class SourceSerializer(serializers.Serializer):
    citation = _text("A citation; a citation or a url is required.")
    url = _text()
    last_verified = _text("When the source was last checked, YYYY-MM-DD.")


class PracticeContentSerializer(serializers.Serializer):
    """Every field of a practice's content. Checked all at once; errors name the field."""

    title = _text("Required; at most 300 characters.")
    summary = _text("Required; at most 2,000 characters.")
    body = _text("The description, in Markdown; at most 200,000 characters.")
    language = _text("Language of the text, ISO 639-1 (required).")
    kind = _text("Kind of practice, by code (required): see the kinds on the site.")
    project_status = choice(
        "ProjectStatusEnum", ProjectStatus.choices, required=False, allow_blank=True
    )
    start_year = serializers.IntegerField(required=False, allow_null=True)
    end_year = serializers.IntegerField(
        required=False, allow_null=True, help_text="Not before the start year."
    )
    countries = _strings("ISO 3166 alpha-2 codes.")
    institutions = serializers.ListField(child=InstitutionSerializer(), required=False)
    areas = _strings("Function area codes (F01…).")
    items = _strings("Function item codes (F01.1…).")
    guideline_items = _strings("Guideline item codes.")
    urls = serializers.ListField(child=WebAddressSerializer(), required=False)
    licence = _text("Licence of the text, e.g. CC BY 4.0.")
    tags = _strings("At most 30 tags of at most 60 characters.")
    sources = serializers.ListField(child=SourceSerializer(), required=False)
    unification_type = choice(
        "UnificationTypeEnum", UnificationType.choices, required=False, allow_blank=True
    )
    unity_basis = _text()
    dispersal_cause = _text()
    material_types = _strings("")
    material_languages = _strings("")
    scale_items = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    scale_holders = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    metadata_standards = _strings("")
    iiif = serializers.BooleanField(required=False, allow_null=True)
    platform_model = choice(
        "PlatformModelEnum", PlatformModel.choices, required=False, allow_blank=True
    )
    funding = _text()
    outreach = _text()
    sustainability = _text()
    lessons = _text()


class PracticeWriteSerializer(PracticeContentSerializer):
    """The content to save. POST and PUT send the whole content (fields left out are empty);
    PATCH and `propose` send only the fields that change."""

    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A note for the history."
    )


def content_data(request, serializer_class=PracticeWriteSerializer) -> tuple[dict, str]:
    """The valid content fields of the request body and the reason; unknown fields are a 400."""
    if not isinstance(request.data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": ["Send a JSON object with the content's fields."]}
        )
    serializer = serializer_class(data=request.data)
    unknown = sorted(set(request.data) - set(serializer.fields))
    if unknown:
        raise serializers.ValidationError(
            {"non_field_errors": [f"Unknown fields: {', '.join(unknown)}."]}
        )
    serializer.is_valid(raise_exception=True)
    data = {k: _plain(v) for k, v in serializer.validated_data.items()}
    reason = data.pop("reason", "") or ""
    return data, reason


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Practices ----------------------------------------------------------------------------------


class PracticeListSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = choice("PracticeStatusEnum", PracticeStatus.choices, read_only=True)
    project_status = choice(
        "ProjectStatusEnum", ProjectStatus.choices, allow_blank=True, read_only=True
    )
    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Practice
        fields = [
            "code",
            "kind",
            "status",
            "title",
            "summary",
            "language",
            "project_status",
            "start_year",
            "end_year",
            "published_at",
            "view_count",
            "version",
            "url",
        ]
        read_only_fields = fields

    def get_title(self, obj) -> str:
        """The published title; a practice never published shows its working title."""
        if obj.published_id is None:
            return getattr(obj, "working_title", None) or obj.title
        return obj.title

    def get_summary(self, obj) -> str:
        if obj.published_id is None:
            return getattr(obj, "working_summary", None) or obj.summary
        return obj.summary

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class EndorsementCountSerializer(serializers.Serializer):
    useful = serializers.IntegerField()
    did_too = serializers.IntegerField()


class PracticeSerializer(PracticeListSerializer):
    content = serializers.SerializerMethodField(
        help_text="The working copy for its authors and moderators, else the published content."
    )
    revision = serializers.SerializerMethodField(help_text="Number of the revision shown.")
    published_revision = serializers.SerializerMethodField(
        help_text="Number of the published revision (null before publication)."
    )
    authors = serializers.SerializerMethodField(help_text="Names of the authors.")
    endorsements = serializers.SerializerMethodField()
    review_comment = serializers.SerializerMethodField(
        help_text="The moderator's comment; shown to the authors and moderators."
    )

    class Meta(PracticeListSerializer.Meta):
        fields = [
            *PracticeListSerializer.Meta.fields,
            "submitted_at",
            "revision",
            "published_revision",
            "authors",
            "endorsements",
            "review_comment",
            "content",
        ]
        read_only_fields = fields

    def _editor(self, obj) -> bool:
        request = self.context.get("request")
        return permissions.can_edit(getattr(request, "user", None), obj)

    def _shown(self, obj) -> Revision | None:
        if self._editor(obj):
            return obj.current
        return obj.published or obj.current

    def get_title(self, obj) -> str:
        shown = self._shown(obj)
        return shown.content.get("title", "") if shown else obj.title

    def get_summary(self, obj) -> str:
        shown = self._shown(obj)
        return shown.content.get("summary", "") if shown else obj.summary

    @extend_schema_field(PracticeContentSerializer)
    def get_content(self, obj) -> dict:
        shown = self._shown(obj)
        return shown.content if shown else {}

    def get_revision(self, obj) -> int | None:
        shown = self._shown(obj)
        return shown.number if shown else None

    def get_published_revision(self, obj) -> int | None:
        return obj.published.number if obj.published_id else None

    def get_authors(self, obj) -> list[str]:
        return [author.get_full_name() or author.get_username() for author in obj.authors.all()]

    @extend_schema_field(EndorsementCountSerializer)
    def get_endorsements(self, obj) -> dict:
        return {
            "useful": getattr(obj, "useful_count", 0),
            "did_too": getattr(obj, "did_too_count", 0),
        }

    def get_review_comment(self, obj) -> str:
        return obj.review_comment if self._editor(obj) else ""


def practice_detail_queryset(queryset=None):
    return (
        (Practice.objects.all() if queryset is None else queryset)
        .select_related("kind", "current", "published")
        .prefetch_related("authors")
        .annotate(
            useful_count=Count(
                "endorsements", filter=Q(endorsements__kind=EndorsementKind.USEFUL), distinct=True
            ),
            did_too_count=Count(
                "endorsements", filter=Q(endorsements__kind=EndorsementKind.DID_TOO), distinct=True
            ),
        )
    )


def practice_list_queryset(queryset):
    return queryset.select_related("kind").annotate(
        working_title=KeyTextTransform("title", "current__content"),
        working_summary=KeyTextTransform("summary", "current__content"),
    )


# Revisions ----------------------------------------------------------------------------------


class RevisionSerializer(serializers.ModelSerializer):
    kind = choice("RevisionKindEnum", RevisionKind.choices, read_only=True)
    status = choice("ProposalStatusEnum", ProposalStatus.choices, read_only=True)
    title = serializers.SerializerMethodField()
    based_on = serializers.SerializerMethodField(
        help_text="Number of the revision it started from."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Revision
        fields = [
            "number",
            "kind",
            "status",
            "title",
            "based_on",
            "created_at",
            "author_name",
            "message",
            "review_comment",
            "url",
        ]
        read_only_fields = fields

    def get_title(self, obj) -> str:
        if hasattr(obj, "content_title"):
            return obj.content_title or ""
        return obj.content.get("title", "")

    def get_based_on(self, obj) -> int | None:
        if hasattr(obj, "based_on_number"):
            return obj.based_on_number
        return obj.based_on.number if obj.based_on_id else None

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class RevisionDetailSerializer(RevisionSerializer):
    content = serializers.SerializerMethodField()

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "content"]
        read_only_fields = fields

    @extend_schema_field(PracticeContentSerializer)
    def get_content(self, obj) -> dict:
        return obj.content


# Comments and endorsements ------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(help_text="Empty when hidden, except for moderators.")
    hidden_reason = serializers.SerializerMethodField(help_text="Shown to moderators only.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "author_name", "body", "hidden", "hidden_reason", "created_at", "url"]
        read_only_fields = fields

    def _moderator(self) -> bool:
        request = self.context.get("request")
        return permissions.can_moderate(getattr(request, "user", None))

    def get_body(self, obj) -> str:
        return obj.body if not obj.hidden or self._moderator() else ""

    def get_hidden_reason(self, obj) -> str:
        return obj.hidden_reason if self._moderator() else ""

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Markdown, at most 10,000 characters."
    )


class HideSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the comment is hidden (kept in the log).")


class EndorsementSerializer(serializers.Serializer):
    kind = choice("EndorsementKindEnum", EndorsementKind.choices)
    library = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Library.objects.all(),
        required=False,
        allow_null=True,
        help_text="Your library (you must contribute for it), e.g. with did_too.",
    )
    created_at = serializers.DateTimeField(read_only=True)


# Moderation bodies --------------------------------------------------------------------------


class CommentBodySerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Optional, sent to the authors."
    )


class RequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What needs to change (required).")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# Export, import, statistics -----------------------------------------------------------------


class PracticeRecordSerializer(PracticeContentSerializer):
    code = serializers.CharField(
        required=False, allow_blank=True, help_text="A known code updates that practice."
    )
    status = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="A new practice ends in this status (draft, submitted, published, archived).",
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True, read_only=True)
    url = serializers.CharField(required=False, read_only=True)


class PracticeExportSerializer(serializers.Serializer):
    licence = serializers.CharField()
    licence_note = serializers.CharField()
    source = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    count = serializers.IntegerField()
    results = PracticeRecordSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A JSON or CSV export (at most 20 MB).")
    format = choice(
        "ExportFormatEnum",
        [("json", "JSON"), ("csv", "CSV")],
        required=False,
        help_text="Default: the file's extension.",
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(), help_text="Codes.")
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class MonthField(serializers.CharField):
    """YYYY-MM (or a date, YYYY-MM-DD, whose month is meant)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data).strip()
        if not MONTH.match(text):
            raise serializers.ValidationError("A month like 2026-01 (or a date like 2026-01-31).")
        try:
            return datetime.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
        except ValueError as exc:
            raise serializers.ValidationError(f"“{text}” is not a month.") from exc


class StatsQuerySerializer(serializers.Serializer):
    start = MonthField(required=False, help_text="First month, YYYY-MM.")
    end = MonthField(required=False, help_text="Last month, YYYY-MM (included).")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end.replace(day=1) < start.replace(day=1):
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class MonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    published = serializers.IntegerField()
    archived = serializers.IntegerField()
    views = serializers.IntegerField()
    endorsements = serializers.IntegerField()
    comments = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    views_per_month = MonthCountSerializer(many=True)
    new_practices_per_month = MonthCountSerializer(
        many=True, help_text="Practices first published in the month."
    )
    totals = TotalsSerializer()
