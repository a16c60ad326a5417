"""REST API for the function framework, rounds, profiles and published answers.

Reads follow the site's visibility rules (unpublished profiles only for the library's
contributors and moderators); every write goes through `services` with If-Match.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IF_MATCH, ServiceWriteMixin, etag_for, expected_version
from libraries.models import Library

from . import permissions, queries, services, similarity
from .choices import ProfileStatus
from .filters import AnswerFilterSet, ItemFilterSet, ProfileFilterSet
from .models import Answer, Area, FrameworkEdition, Item, Profile, Round

TAGS = ["functions"]
SIMILARITY_DECIMALS = 3
COORDINATE_DECIMALS = 4


# The framework ------------------------------------------------------------------------------


class FunctionAreaSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField(help_text="Codes of the area's current items.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["code", "name", "weight", "position", "description", "items", "version", "url"]
        read_only_fields = fields

    def get_items(self, obj) -> list[str]:
        return [item.code for item in obj.current_items]

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class FunctionItemSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=Area.objects.all())
    options = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="The options of a choice or multi item (empty for the other types).",
    )
    choices = serializers.SerializerMethodField(
        help_text="The values an answer may take for categorical items, besides `unknown`."
    )
    in_similarity = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField()
    reason = serializers.CharField(write_only=True, help_text="Why you make this change.")

    class Meta:
        model = Item
        fields = [
            "code",
            "area",
            "position",
            "text",
            "help_text",
            "answer_type",
            "options",
            "choices",
            "unit",
            "per_capita",
            "retired",
            "in_similarity",
            "version",
            "updated_at",
            "url",
            "reason",
        ]
        read_only_fields = ["version", "updated_at"]
        extra_kwargs = {"position": {"min_value": 0, "max_value": 32767}}

    def get_choices(self, obj) -> list[str]:
        return obj.choices if obj.is_categorical else []

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Say why you make this change.")
        return value.strip()

    def validate(self, attrs):
        if not attrs.get("reason"):
            raise serializers.ValidationError({"reason": "Say why you make this change."})
        return attrs


class FrameworkEditionSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField(help_text="How many items the edition asks.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = FrameworkEdition
        fields = [
            "code",
            "title",
            "status",
            "published_at",
            "notes",
            "items",
            "content",
            "version",
            "url",
        ]
        read_only_fields = fields

    def get_items(self, obj) -> int:
        return len(obj.item_codes())

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class RoundSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "year",
            "slug",
            "name",
            "edition",
            "status",
            "is_beta",
            "opens_on",
            "closes_on",
            "description",
            "version",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


@extend_schema(tags=TAGS)
class FunctionAreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas of the function framework (F01 Legal deposit…), with their current item codes."""

    serializer_class = FunctionAreaSerializer
    lookup_field = "code"
    queryset = Area.objects.prefetch_related(
        Prefetch(
            "items",
            queryset=Item.objects.filter(retired=False).order_by("position", "code"),
            to_attr="current_items",
        )
    )


@extend_schema(tags=TAGS)
class FunctionItemViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Items of the framework. Codes are stable: rewording keeps the code, a new meaning needs
    a new item. Moderators create and update items (update: If-Match and a reason)."""

    serializer_class = FunctionItemSerializer
    filterset_class = ItemFilterSet
    lookup_field = "code"
    lookup_value_regex = r"F[0-9]{2}\.[0-9]{1,2}"
    queryset = Item.objects.select_related("area")

    def create(self, request, *args, **kwargs):
        if not permissions.can_edit_framework(request.user):
            self.permission_denied(request, "Only moderators can edit the framework.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        item = self.call_service(services.create_item, data, user=request.user, reason=reason)
        return self.respond(item, status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        item = self.get_object()
        updated = self.update_through(
            request,
            item,
            services.update_item,
            allowed=permissions.can_edit_framework(request.user),
            denied="Only moderators can edit the framework.",
            partial=kwargs.get("partial", False),
        )
        return self.respond(self.get_queryset().get(pk=updated.pk))


@extend_schema(tags=TAGS)
class FrameworkEditionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published editions: the framework frozen as a round asks it (`content`)."""

    serializer_class = FrameworkEditionSerializer
    lookup_field = "code"
    queryset = FrameworkEdition.objects.all()


# Positions ----------------------------------------------------------------------------------


class PeerSerializer(serializers.Serializer):
    library = serializers.CharField(help_text="Slug of the peer library.")
    similarity = serializers.FloatField(help_text="1 − Gower distance, 3 decimals.")
    items_compared = serializers.IntegerField(help_text="Items both libraries answered.")


class PositionSerializer(serializers.Serializer):
    library = serializers.CharField(help_text="Library slug.")
    name = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2.")
    region = serializers.CharField(help_text="M49 code of the country's region.")
    region_name = serializers.CharField()
    cluster = serializers.IntegerField()
    x = serializers.FloatField(allow_null=True)
    y = serializers.FloatField(allow_null=True)
    peers = PeerSerializer(many=True)
    demo = serializers.BooleanField(help_text="The library's answers are generated demo data.")


class ExcludedLibrarySerializer(serializers.Serializer):
    library = serializers.CharField(help_text="Library slug.")
    name = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2.")


class PositionsSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="Round year.")
    areas = serializers.ListField(
        child=serializers.CharField(), help_text="Areas compared (empty: all)."
    )
    items = serializers.ListField(child=serializers.CharField(), help_text="Item codes used.")
    clusters = serializers.IntegerField(help_text="Number of clusters asked for.")
    explained = serializers.ListField(
        child=serializers.FloatField(), help_text="Share of the structure each map axis carries."
    )
    libraries = PositionSerializer(many=True)
    excluded = ExcludedLibrarySerializer(
        many=True, help_text="Published libraries without enough answers in common to place."
    )
    demo_data = serializers.BooleanField(help_text="Some answers are generated demo data.")


class PositionsQuerySerializer(serializers.Serializer):
    area = serializers.ListField(child=serializers.CharField(), default=list)
    clusters = serializers.IntegerField(
        min_value=2, max_value=similarity.MAX_CLUSTERS, default=similarity.DEFAULT_CLUSTERS
    )


def positions_data(round_: Round, result) -> dict:
    libraries = result.libraries
    rows = []
    for pk in result.library_ids:
        info = libraries[pk]
        x, y = result.coordinates.get(pk, (None, None))
        rows.append(
            {
                "library": info["slug"],
                "name": info["name"],
                "country": info["iso2"],
                "region": info["region_code"],
                "region_name": info["region"],
                "cluster": result.clusters.get(pk),
                "x": None if x is None else round(x, COORDINATE_DECIMALS),
                "y": None if y is None else round(y, COORDINATE_DECIMALS),
                "peers": [
                    {
                        "library": libraries[peer]["slug"],
                        "similarity": round(1 - distance, SIMILARITY_DECIMALS),
                        "items_compared": compared,
                    }
                    for peer, distance, compared in result.peers.get(pk, [])
                ],
                "demo": info["is_demo"],
            }
        )
    return {
        "round": round_.year,
        "areas": list(result.areas),
        "items": list(result.items),
        "clusters": result.clusters_wanted,
        "explained": [round(e, SIMILARITY_DECIMALS) for e in result.explained],
        "libraries": rows,
        "excluded": [
            {
                "library": libraries[pk]["slug"],
                "name": libraries[pk]["name"],
                "country": libraries[pk]["iso2"],
            }
            for pk in result.excluded_ids
        ],
        "demo_data": result.has_demo,
    }


@extend_schema(tags=TAGS)
class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Data-collection rounds, identified by their reference year."""

    serializer_class = RoundSerializer
    lookup_field = "year"
    lookup_value_regex = r"[0-9]{4}"
    queryset = queries.rounds()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area",
                OpenApiTypes.STR,
                many=True,
                explode=True,
                description="Compare on these areas only (repeat: ?area=F01&area=F02); "
                "default all.",
            ),
            OpenApiParameter(
                "clusters",
                OpenApiTypes.INT,
                description=f"Number of clusters, 2 to {similarity.MAX_CLUSTERS} "
                f"(default {similarity.DEFAULT_CLUSTERS}).",
            ),
        ],
        responses=PositionsSerializer,
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def positions(self, request, year=None):
        """Similarity of the round's published profiles: clusters, a 2-D map, nearest peers.

        Close means "answered alike", never better or worse."""
        round_ = self.get_object()
        query = PositionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = []
        for value in query.validated_data["area"]:
            wanted += [code.strip() for code in value.split(",") if code.strip()]
        known = {area.code for area, _items in queries.framework_areas(round_)}
        unknown = sorted(set(wanted) - known)
        if unknown:
            raise serializers.ValidationError(
                {"area": [f"Unknown area for round {round_.year}: {', '.join(unknown)}."]}
            )
        result = similarity.positions(
            round_, tuple(sorted(set(wanted))), query.validated_data["clusters"]
        )
        return Response(PositionsSerializer(positions_data(round_, result)).data)


# Profiles -----------------------------------------------------------------------------------


class AnswerValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Canonical value; several choices joined with ;.")
    note = serializers.CharField(allow_blank=True, help_text="Evidence.")
    source_url = serializers.CharField(allow_blank=True)
    since = serializers.IntegerField(allow_null=True, help_text="Year since when it holds.")


class ProfileSerializer(serializers.ModelSerializer):
    library = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    library_name = serializers.CharField(source="library.name", read_only=True)
    country = serializers.CharField(source="library.country_id", read_only=True)
    round = serializers.IntegerField(source="round.year", read_only=True, help_text="Round year.")
    completeness = serializers.SerializerMethodField(
        help_text="Share of the round's items answered, 0 to 1."
    )
    review_comment = serializers.SerializerMethodField(
        help_text="The moderator's comment; shown to those who may edit the profile."
    )
    answers = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = [
            "id",
            "library",
            "library_name",
            "country",
            "round",
            "status",
            "is_demo",
            "answered",
            "completeness",
            "submitted_at",
            "published_at",
            "review_comment",
            "version",
            "updated_at",
            "url",
            "answers",
        ]
        read_only_fields = fields

    def get_completeness(self, obj) -> float:
        totals = self.context.setdefault("_item_totals", {})
        edition_id = obj.round.edition_id
        if edition_id not in totals:
            totals[edition_id] = len(obj.round.edition.item_codes())
        total = totals[edition_id]
        return round(obj.answered / total, 3) if total else 0.0

    def get_review_comment(self, obj) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return obj.review_comment if permissions.can_edit_profile(user, obj) else ""

    @extend_schema_field(
        serializers.DictField(
            child=AnswerValueSerializer(),
            help_text="Answers keyed by item code; unanswered items are absent.",
        )
    )
    def get_answers(self, obj) -> dict:
        return {
            answer.item.code: {
                "value": answer.value,
                "note": answer.note,
                "source_url": answer.source_url,
                "since": answer.since,
            }
            for answer in obj.answers.all()
        }

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class ProfileCreateSerializer(serializers.Serializer):
    library = serializers.SlugRelatedField(slug_field="slug", queryset=Library.objects.all())
    round = serializers.IntegerField(min_value=2000, max_value=9999, help_text="Round year.")

    def validate_round(self, value: int) -> Round:
        round_ = Round.objects.filter(year=value).first()
        if round_ is None:
            raise serializers.ValidationError(f"There is no round {value}.")
        return round_


class AnswerInputSerializer(serializers.Serializer):
    value = serializers.JSONField(
        help_text="The answer: text, a number, or a list of options for a multi item; "
        "null or empty removes the answer."
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text="Evidence.")
    source_url = serializers.CharField(required=False, allow_blank=True)
    since = serializers.IntegerField(required=False, allow_null=True)


@extend_schema_field(AnswerInputSerializer(allow_null=True))
class AnswerInputField(serializers.Field):
    """One answer: an object like AnswerInput, a bare value (shorthand), or null to remove."""

    def to_internal_value(self, data):
        if data is None:
            return None
        if isinstance(data, dict):
            extra = sorted(set(data) - set(services.ANSWER_FIELDS))
            if extra:
                raise serializers.ValidationError(f"Unknown keys: {', '.join(extra)}.")
            return {k: data.get(k) for k in services.ANSWER_FIELDS}
        return {"value": data}


class ProfileAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=AnswerInputField(allow_null=True),
        allow_empty=False,
        help_text="Answers keyed by item code. Items left out keep their answers.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PublishSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="What needs to change; sent to the contributors.")


def profile_queryset():
    answers = Answer.objects.select_related("item").order_by(
        "item__area__position", "item__area__code", "item__position", "item__code"
    )
    return Profile.objects.select_related("library", "round__edition").prefetch_related(
        Prefetch("answers", queryset=answers)
    )


@extend_schema(tags=TAGS)
class ProfileViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Libraries' profiles: their answers for a round. Published profiles are public; drafts
    are seen by the library's contributors and moderators. Writes need If-Match."""

    serializer_class = ProfileSerializer
    filterset_class = ProfileFilterSet

    # The shared service plumbing without ServiceWriteMixin's generic PATCH/PUT: answers and
    # status changes have their own actions.
    call_service = ServiceWriteMixin.call_service

    def get_queryset(self):
        return permissions.visible_profiles(self.request.user, profile_queryset())

    def respond(self, profile, status_code=status.HTTP_200_OK) -> Response:
        profile = profile_queryset().get(pk=profile.pk)
        data = ProfileSerializer(profile, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_for(profile)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())

    @extend_schema(
        request=ProfileCreateSerializer, responses={201: ProfileSerializer, 200: ProfileSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Start the library's profile for the round (a draft); an existing one is returned
        with 200."""
        serializer = ProfileCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        library = serializer.validated_data["library"]
        round_ = serializer.validated_data["round"]
        if not permissions.can_start_profile(request.user, library, round_):
            self.permission_denied(
                request, "You may not start a profile for this library in this round."
            )
        existed = Profile.objects.filter(library=library, round=round_, is_demo=False).exists()
        profile = self.call_service(services.start_profile, library, round_, user=request.user)
        return self.respond(profile, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def _checked(self, request, allowed: bool, denied: str) -> tuple[Profile, int]:
        profile = self.get_object()
        if not allowed(request.user, profile):
            self.permission_denied(request, denied)
        return profile, expected_version(request, profile)

    @extend_schema(parameters=[IF_MATCH], request=ProfileAnswersSerializer)
    @action(detail=True, methods=["patch"], filter_backends=[])
    def answers(self, request, pk=None):
        """Save some answers: all or none. A null or empty value removes the answer. Errors
        are keyed by item code."""
        profile, version = self._checked(
            request, permissions.can_edit_profile, "You may not edit this profile now."
        )
        body = ProfileAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.save_answers,
            profile,
            body.validated_data["answers"],
            user=request.user,
            reason=body.validated_data["reason"],
            expected_version=version,
        )
        return self.respond(saved)

    @extend_schema(parameters=[IF_MATCH], request=None)
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Submit a draft (or a profile sent back) for review."""
        profile, version = self._checked(
            request,
            permissions.can_submit_profile,
            "Only this library's contributors can submit its profile, while it is a draft.",
        )
        saved = self.call_service(
            services.submit_profile, profile, user=request.user, expected_version=version
        )
        return self.respond(saved)

    @extend_schema(parameters=[IF_MATCH], request=PublishSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        """Publish the profile (moderators), with an optional comment."""
        profile, version = self._checked(
            request, permissions.can_review_profile, "Only moderators can publish profiles."
        )
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.publish_profile,
            profile,
            user=request.user,
            expected_version=version,
            comment=body.validated_data["comment"],
        )
        return self.respond(saved)

    @extend_schema(parameters=[IF_MATCH], request=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_(self, request, pk=None):
        """Send a submitted or published profile back to its contributors (moderators); the
        comment is required."""
        profile, version = self._checked(
            request, permissions.can_review_profile, "Only moderators can send profiles back."
        )
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.call_service(
            services.return_profile,
            profile,
            user=request.user,
            comment=body.validated_data["comment"],
            expected_version=version,
        )
        return self.respond(saved)


# Published answers --------------------------------------------------------------------------


class PublishedAnswerSerializer(serializers.ModelSerializer):
    library = serializers.CharField(source="profile.library.slug", help_text="Library slug.")
    country = serializers.CharField(source="profile.library.country_id", help_text="ISO 3166.")
    round = serializers.IntegerField(source="profile.round.year", help_text="Round year.")
    item = serializers.CharField(source="item.code", help_text="Item code.")
    label = serializers.SerializerMethodField(help_text="The value in words.")
    demo = serializers.BooleanField(source="profile.is_demo", help_text="Generated demo data.")

    class Meta:
        model = Answer
        fields = [
            "library",
            "country",
            "round",
            "item",
            "value",
            "label",
            "note",
            "source_url",
            "since",
            "demo",
        ]
        read_only_fields = fields

    def get_label(self, obj) -> str:
        return obj.item.value_label(obj.value)


@extend_schema(tags=TAGS)
class PublishedAnswerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Answers of published profiles, one row per library, round and item."""

    serializer_class = PublishedAnswerSerializer
    filterset_class = AnswerFilterSet
    queryset = (
        Answer.objects.filter(profile__status=ProfileStatus.PUBLISHED)
        .select_related("item", "profile__library", "profile__round")
        .order_by(
            "-profile__round__year",
            "profile__library__name",
            "item__area__position",
            "item__area__code",
            "item__position",
            "item__code",
        )
    )
