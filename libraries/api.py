"""REST API for the registry: reads for everyone, writes with a token through the services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from core.api import IF_MATCH, ServiceWriteMixin, expected_version

from . import permissions, services
from .filters import CountryFilterSet, LibraryFilterSet, MembershipFilterSet
from .models import Country, Library, Membership, Organisation, Region
from .views import library_queryset


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = [
            "iso2",
            "iso3",
            "numeric",
            "name",
            "official_name",
            "region",
            "subregion",
            "intermediate_region",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "slug",
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
            "version",
        ]
        read_only_fields = ["slug", "version"]
        # Explicit limits, so the schema is the same whatever the database's integer sizes.
        extra_kwargs = {"founded": {"min_value": 1800, "max_value": 9999}}
        validators = []  # uniqueness is checked by the service, with the field named


class MembershipSerializer(serializers.ModelSerializer):
    library = serializers.SlugRelatedField(slug_field="slug", queryset=Library.objects.all())
    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all()
    )

    class Meta:
        model = Membership
        fields = ["id", "library", "organisation", "status", "role", "note", "source", "version"]
        read_only_fields = ["version"]
        validators = []


class FactSerializer(serializers.Serializer):
    status = serializers.CharField()
    source = serializers.CharField(allow_blank=True)


class LibrarySerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="iso2", queryset=Country.objects.all())
    memberships = serializers.SerializerMethodField()
    facts = serializers.DictField(child=FactSerializer(), read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Library
        fields = [
            "slug",
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
            "facts",
            "memberships",
            "version",
            "updated_at",
            "url",
        ]
        read_only_fields = ["slug", "version", "updated_at"]
        extra_kwargs = {"founded": {"min_value": 1000, "max_value": 9999}}
        validators = []

    def get_memberships(self, obj) -> list[dict]:
        return [
            {"organisation": m.organisation.slug, "status": m.status, "role": m.role}
            for m in obj.memberships.all()
        ]

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class LibraryWriteSerializer(LibrarySerializer):
    reason = serializers.CharField(write_only=True, help_text="Why you make this change.")

    class Meta(LibrarySerializer.Meta):
        fields = [*LibrarySerializer.Meta.fields, "reason"]


@extend_schema(tags=["libraries"])
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """UN M49 regions, sub-regions and intermediate regions."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent"]


@extend_schema(tags=["libraries"])
class CountryViewSet(viewsets.ReadOnlyModelViewSet):
    """Countries and territories (ISO 3166-1), with their M49 regions."""

    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet


@extend_schema(tags=["libraries"])
class LibraryViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """National libraries. Filters as on /libraries/: q, region, subregion, country,
    organisation, sort. Updates need If-Match with the ETag from GET, and a reason."""

    queryset = library_queryset()
    lookup_field = "slug"
    filterset_class = LibraryFilterSet
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return LibraryWriteSerializer
        return LibrarySerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        library = self.call_service(services.create_library, data, user=request.user, reason=reason)
        return self.respond(library_queryset().get(pk=library.pk), status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        library = self.get_object()
        updated = self.update_through(
            request,
            library,
            services.update_library,
            allowed=permissions.can_edit_library(request.user, library),
            denied="You may not edit this library.",
            partial=kwargs.get("partial", False),
        )
        return self.respond(library_queryset().get(pk=updated.pk))


@extend_schema(tags=["libraries"])
class OrganisationViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Organisations of national libraries (CDNL, CENL, CDNL-AO, ABINIA, CONSAL, IFLA…)."""

    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    lookup_field = "slug"

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = self.call_service(
            services.create_organisation,
            dict(serializer.validated_data),
            user=request.user,
            reason=request.data.get("reason", ""),
        )
        return self.respond(organisation, status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        organisation = self.get_object()
        updated = self.update_through(
            request,
            organisation,
            services.update_organisation,
            allowed=permissions.can_edit_organisation(request.user, organisation),
            denied="Only moderators can edit organisations.",
            partial=kwargs.get("partial", False),
        )
        return self.respond(updated)


@extend_schema(tags=["libraries"])
class MembershipViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Memberships of libraries in organisations, confirmed or inferred."""

    queryset = Membership.objects.select_related("library", "organisation")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        membership = self.call_service(
            services.add_membership,
            data.pop("library"),
            data.pop("organisation"),
            user=request.user,
            reason=request.data.get("reason", ""),
            **data,
        )
        return self.respond(membership, status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        membership = self.get_object()
        updated = self.update_through(
            request,
            membership,
            services.update_membership,
            allowed=permissions.can_manage_memberships(request.user, membership.library),
            denied="Only moderators can change memberships.",
            partial=kwargs.get("partial", False),
            fields=Membership.history_fields,
        )
        return self.respond(updated)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request, *args, **kwargs):
        membership = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not permissions.can_manage_memberships(request.user, membership.library):
            self.permission_denied(request, "Only moderators can change memberships.")
        expected_version(request, membership)
        reason = request.query_params.get("reason") or request.data.get("reason", "")
        self.call_service(services.remove_membership, membership, user=request.user, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)
