"""The practices view set (/api/v1/practices/): reading, writing with If-Match, moderation,
proposed edits and revisions, comments and endorsements, export, import and statistics; with
the CSV renderer the export announces."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, Subquery
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core.api import IF_MATCH, ServiceWriteMixin, etag_for, expected_version
from libraries.export import csv_response, json_response

from .. import exchange, permissions, services, stats
from ..choices import ProposalStatus
from ..content import clean_content
from ..filters import PracticeFilterSet
from ..models import Practice, Revision
from .schema import COMMENT_ID, NUMBER, PracticeSchema
from .serializers import (
    CommentBodySerializer,
    CommentSerializer,
    CommentWriteSerializer,
    EndorsementSerializer,
    HideSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    PracticeExportSerializer,
    PracticeListSerializer,
    PracticeRecordSerializer,
    PracticeSerializer,
    PracticeWriteSerializer,
    ReasonSerializer,
    RequiredCommentSerializer,
    RevisionDetailSerializer,
    RevisionSerializer,
    StatsQuerySerializer,
    StatsSerializer,
    content_data,
    practice_detail_queryset,
    practice_list_queryset,
)

TAGS = ["practices"]
DATA_LICENCE = "CC0 1.0"
LICENCE_NOTE = (
    "The records are CC0 1.0; each practice's text is under the licence named in its "
    "“licence” field."
)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is larger than 20 MB."
    default_code = "payload_too_large"


class CSVRenderer(BaseRenderer):
    """Only announces text/csv for content negotiation; the export builds its own response."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, (str, bytes)) else json.dumps(data)


@extend_schema(tags=TAGS)
class PracticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Case studies and best practices, by `code`. Filters as on /practices/: q, kind, country,
    region, area, item, library, period, status (of the project), language, sort."""

    queryset = Practice.objects.all()
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    filterset_class = PracticeFilterSet
    parser_classes = [JSONParser]  # content has nested lists: JSON only (import takes files)
    schema = PracticeSchema()
    call_service = ServiceWriteMixin.call_service

    def get_queryset(self):
        visible = permissions.visible_practices(self.request.user, Practice.objects.all())
        if self.action == "list":
            return practice_list_queryset(visible)
        if self.action == "retrieve":
            return practice_detail_queryset(visible)
        return visible

    def get_serializer_class(self):
        return PracticeListSerializer if self.action == "list" else PracticeSerializer

    def perform_content_negotiation(self, request, force=False):
        # ?format=csv on the export is the export's own parameter, checked there.
        return super().perform_content_negotiation(request, force=force or self.action == "export")

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def respond(self, practice: Practice, status_code=status.HTTP_200_OK, *, fresh=False):
        if not fresh:
            practice = practice_detail_queryset().get(pk=practice.pk)
        practice._author_ids = {author.pk for author in practice.authors.all()}
        data = PracticeSerializer(practice, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_for(practice)
        return response

    def _propose_path(self, practice) -> str:
        return reverse("practice-propose", kwargs={"code": practice.code})

    # Reading and writing the practice ------------------------------------------------------

    @extend_schema(responses=PracticeSerializer)
    def retrieve(self, request, *args, **kwargs):
        """One practice; the ETag header is what If-Match sends back."""
        return self.respond(self.get_object(), fresh=True)

    @extend_schema(request=PracticeWriteSerializer, responses={201: PracticeSerializer})
    def create(self, request, *args, **kwargs):
        """Start a practice: a draft that only its authors (you) and moderators see."""
        if not permissions.can_start(request.user):
            self.permission_denied(request, "Sign in to start a practice.")
        data, reason = content_data(request)
        practice = self.call_service(
            services.start_practice, data, user=request.user, reason=reason
        )
        return self.respond(practice, status.HTTP_201_CREATED)

    @extend_schema(
        request=PracticeWriteSerializer, responses=PracticeSerializer, parameters=[IF_MATCH]
    )
    def update(self, request, *args, partial=False, **kwargs):
        """Replace the content (authors and moderators). Fields left out are emptied."""
        practice = self.get_object()
        if not permissions.can_edit(request.user, practice):
            self.permission_denied(
                request,
                "Only the authors and moderators edit this practice directly. Propose your edit "
                f"instead: POST {self._propose_path(practice)} (a moderator reviews it).",
            )
        version = expected_version(request, practice)
        data, reason = content_data(request)
        if partial and practice.current_id:
            data = {**practice.current.content, **data}
        saved = self.call_service(
            services.edit_practice,
            practice,
            data,
            user=request.user,
            reason=reason,
            expected_version=version,
        )
        return self.respond(saved)

    @extend_schema(
        request=PracticeWriteSerializer, responses=PracticeSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request, *args, **kwargs):
        """Change some fields (authors and moderators); the others keep their value."""
        return self.update(request, *args, partial=True, **kwargs)

    # Moderation ------------------------------------------------------------------------------

    def _checked(self, request, allowed, denied: str) -> tuple[Practice, int]:
        practice = self.get_object()
        if not allowed(request.user, practice):
            self.permission_denied(request, denied)
        return practice, expected_version(request, practice)

    @extend_schema(request=None, responses=PracticeSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, code=None):
        """Submit a draft for review (authors and moderators)."""
        practice, version = self._checked(
            request, permissions.can_submit, "Only the authors can submit this practice."
        )
        saved = self.call_service(
            services.submit_practice, practice, user=request.user, expected_version=version
        )
        return self.respond(saved)

    @extend_schema(
        request=CommentBodySerializer, responses=PracticeSerializer, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, code=None):
        """Publish a submitted (or archived) practice (moderators)."""
        return self._moderate(
            request,
            services.approve_practice,
            CommentBodySerializer,
            "comment",
            "Only moderators publish practices.",
        )

    @extend_schema(
        request=RequiredCommentSerializer, responses=PracticeSerializer, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, code=None):
        """Send a submitted practice back to its authors as a draft (moderators; comment
        required)."""
        return self._moderate(
            request,
            services.reject_practice,
            RequiredCommentSerializer,
            "comment",
            "Only moderators review practices.",
        )

    @extend_schema(request=ReasonSerializer, responses=PracticeSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], filter_backends=[])
    def archive(self, request, code=None):
        """Archive a published practice (moderators): still public, marked as archived."""
        return self._moderate(
            request,
            services.archive_practice,
            ReasonSerializer,
            "reason",
            "Only moderators archive practices.",
        )

    def _moderate(self, request, service, body_class, field: str, refusal: str):
        """A moderator's decision: check the role and version, read the comment or reason,
        call the service and answer with the practice."""
        practice, version = self._checked(request, permissions.can_moderate, refusal)
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            service,
            practice,
            user=request.user,
            expected_version=version,
            **{field: body.validated_data[field]},
        )
        return self.respond(saved)

    # Proposed edits and revisions ----------------------------------------------------------

    @extend_schema(request=PracticeWriteSerializer, responses={201: RevisionDetailSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def propose(self, request, code=None):
        """Propose an edit of a published practice (members who are not its authors): send
        the fields to change. A moderator accepts or declines it; no If-Match needed."""
        practice = self.get_object()
        if permissions.can_edit(request.user, practice):
            self.permission_denied(
                request, "You edit this practice directly: PUT or PATCH it with If-Match."
            )
        if not permissions.can_propose(request.user, practice):
            self.permission_denied(request, "Only published practices take proposed edits.")
        data, reason = content_data(request)
        current = practice.current.content if practice.current_id else {}
        merged = {**current, **data}
        try:
            content = clean_content(merged, services.references())
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        if content == current:
            raise serializers.ValidationError(
                {"non_field_errors": ["This proposal changes nothing."]}
            )
        revision = self.call_service(
            services.propose_edit, practice, content, user=request.user, reason=reason
        )
        return Response(RevisionDetailSerializer(revision).data, status=status.HTTP_201_CREATED)

    def _revisions(self, request, practice):
        """Editors see every revision; others the accepted ones up to the published one (not
        the unpublished working copy of an archived practice) and their own proposals."""
        revisions = practice.revisions.order_by("-number")
        if not permissions.can_edit(request.user, practice):
            shown = Q(status=ProposalStatus.ACCEPTED)
            if practice.published_id:
                published = Revision.objects.filter(pk=practice.published_id).values("number")
                shown &= Q(number__lte=Subquery(published))
            if permissions.is_member(request.user):
                shown |= Q(created_by=request.user)
            revisions = revisions.filter(shown)
        return revisions

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def revisions(self, request, code=None):
        """Every revision, newest first. Proposed edits waiting for a moderator or declined
        are shown to their proposer, the authors and moderators only; so are edits of an
        archived practice's working copy that are not published."""
        practice = self.get_object()
        revisions = (
            self._revisions(request, practice)
            .defer("content")
            .annotate(content_title=KT("content__title"), based_on_number=F("based_on__number"))
        )
        page = self.paginate_queryset(revisions)
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    def _revision(self, request, number) -> tuple[Practice, Revision]:
        practice = self.get_object()
        revision = get_object_or_404(self._revisions(request, practice), number=number)
        revision.practice = practice
        return practice, revision

    @extend_schema(parameters=[NUMBER], responses=RevisionDetailSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"revisions/(?P<number>[0-9]+)",
        url_name="revision",
        filter_backends=[],
    )
    def revision(self, request, code=None, number=None):
        """One revision with its complete content."""
        _practice, revision = self._revision(request, number)
        return Response(RevisionDetailSerializer(revision).data)

    @extend_schema(
        parameters=[NUMBER, IF_MATCH], request=CommentBodySerializer, responses=PracticeSerializer
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"revisions/(?P<number>[0-9]+)/accept",
        url_name="accept",
        filter_backends=[],
    )
    def accept(self, request, code=None, number=None):
        """Accept a proposed edit (moderators; If-Match of the practice). Only the fields the
        proposal changed are applied; a field changed meanwhile by someone else is a 400."""
        practice, revision = self._revision(request, number)
        if not permissions.can_moderate(request.user, practice):
            self.permission_denied(request, "Only moderators accept proposed edits.")
        version = expected_version(request, practice)
        body = CommentBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.accept_proposal,
            revision,
            user=request.user,
            comment=body.validated_data["comment"],
            expected_version=version,
        )
        return self.respond(saved)

    @extend_schema(
        parameters=[NUMBER], request=RequiredCommentSerializer, responses=RevisionDetailSerializer
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"revisions/(?P<number>[0-9]+)/decline",
        url_name="decline",
        filter_backends=[],
    )
    def decline(self, request, code=None, number=None):
        """Decline a proposed edit (moderators; the comment, required, goes to the proposer)."""
        practice, revision = self._revision(request, number)
        if not permissions.can_moderate(request.user, practice):
            self.permission_denied(request, "Only moderators decline proposed edits.")
        body = RequiredCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.decline_proposal,
            revision,
            user=request.user,
            comment=body.validated_data["comment"],
        )
        return Response(RevisionDetailSerializer(saved).data)

    # Comments and endorsements -------------------------------------------------------------

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CommentWriteSerializer, responses={201: CommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, code=None):
        """GET: the comments, oldest first (a hidden comment's text only for moderators).
        POST: comment (members)."""
        practice = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            body = CommentWriteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            comment = self.call_service(
                services.add_comment, practice, body.validated_data["body"], user=request.user
            )
            return Response(
                CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED
            )
        page = self.paginate_queryset(practice.comments.order_by("created_at", "pk"))
        return self.get_paginated_response(CommentSerializer(page, many=True, context=context).data)

    @extend_schema(parameters=[COMMENT_ID], request=HideSerializer, responses=CommentSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"comments/(?P<comment_id>[0-9]+)/hide",
        url_name="hide-comment",
        filter_backends=[],
    )
    def hide_comment(self, request, code=None, comment_id=None):
        """Hide a comment (moderators; the reason is required and logged)."""
        practice = self.get_object()
        comment = get_object_or_404(practice.comments, pk=comment_id)
        body = HideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.hide_comment, comment, user=request.user, reason=body.validated_data["reason"]
        )
        return Response(CommentSerializer(saved, context=self.get_serializer_context()).data)

    @extend_schema(request=EndorsementSerializer, responses={201: EndorsementSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def endorsements(self, request, code=None):
        """Say a published practice is useful, or that your library did this too (members;
        once per kind)."""
        practice = self.get_object()
        body = EndorsementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endorsement = self.call_service(
            services.endorse,
            practice,
            body.validated_data["kind"],
            user=request.user,
            library=body.validated_data.get("library"),
        )
        return Response(EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)

    # Export, import, statistics ------------------------------------------------------------

    @extend_schema(
        responses={
            (200, "application/json"): PracticeExportSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="One row per practice; lists joined with “; ”, structured entries "
                "with “ | ” (see docs/api.md).",
            ),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export(self, request):
        """The filtered list as records with every content field (?format=json or csv).
        Moderators get the working copies, which `import` takes back unchanged."""
        fmt = request.query_params.get("format") or "json"
        if fmt not in ("json", "csv"):
            raise serializers.ValidationError({"format": ["Choose json or csv."]})
        practices = self.filter_queryset(
            permissions.visible_practices(request.user, Practice.objects.all())
        )
        records = exchange.export_records(
            practices, working_copy=permissions.can_moderate(request.user)
        )
        if fmt == "csv":
            return csv_response(exchange.csv_rows(records), exchange.csv_columns(), "practices")
        meta = {
            "licence": DATA_LICENCE,
            "licence_note": LICENCE_NOTE,
            "source": settings.SITE_URL,
            "filters": {k: v for k, v in request.query_params.items() if k != "format"},
        }
        return json_response(records, "practices", meta)

    @extend_schema(
        request={
            "application/json": PracticeRecordSerializer(many=True),
            "multipart/form-data": ImportUploadSerializer,
        },
        responses=ImportResultSerializer,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def import_(self, request):
        """Create or update practices from records (moderators): a JSON list (or an export)
        as the body, or an uploaded JSON or CSV file. All records are checked first; one bad
        record and nothing is saved, every problem listed under `records`."""
        if not permissions.can_moderate(request.user):
            self.permission_denied(request, "Only moderators import practices.")
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > exchange.MAX_UPLOAD + 1024 * 1024:
            raise PayloadTooLarge()
        records = self._uploaded_records(request)
        codes = [str(r.get("code") or "") for r in records if isinstance(r, dict)]
        before = dict(Practice.objects.filter(code__in=codes).values_list("code", "version"))
        try:
            saved = exchange.import_records(records, user=request.user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"records": exc.messages}) from exc
        result = {"created": [], "updated": [], "unchanged": []}
        for practice in saved:
            if practice.code not in before:
                result["created"].append(practice.code)
            elif before[practice.code] != practice.version:
                result["updated"].append(practice.code)
            else:
                result["unchanged"].append(practice.code)
        return Response(result)

    def _uploaded_records(self, request) -> list:
        upload = request.FILES.get("file")
        if upload is not None:
            fmt = request.data.get("format") or upload.name.rsplit(".", 1)[-1].lower()
            if fmt not in ("json", "csv"):
                raise serializers.ValidationError({"format": ["Choose json or csv."]})
            try:
                return exchange.read_upload(upload, fmt)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"file": exc.messages}) from exc
        data = request.data
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if not isinstance(data, list) or not data:
            raise serializers.ValidationError(
                {"records": ["Send a JSON list of records, or upload a file as “file”."]}
            )
        if len(data) > exchange.MAX_RECORDS:
            raise serializers.ValidationError(
                {"records": [f"At most {exchange.MAX_RECORDS} records per import."]}
            )
        return data

    @extend_schema(parameters=[StatsQuerySerializer], responses=StatsSerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def stats(self, request):
        """Counted views and newly published practices per month, and totals."""
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data.get("start"), query.validated_data.get("end")

        def rows(pairs):
            return [{"month": month, "count": n} for month, n in pairs]

        return Response(
            {
                "views_per_month": rows(stats.views_per_month(start, end)),
                "new_practices_per_month": rows(stats.new_practices_per_month(start, end)),
                "totals": stats.totals(),
            }
        )
