"""API building blocks shared by every app: pagination, ETag/If-Match, the change log."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from .filters import ChangeFilterSet
from .models import Change
from .services import ConflictError, visible_changes

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version you started from, as returned by GET.",
)


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send an If-Match header with the ETag of the version you edited."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since the version you edited; GET it again."
    default_code = "precondition_failed"


def etag_for(obj) -> str:
    return f'"{obj.pk}-{obj.version}"'


def expected_version(request, obj) -> int:
    """The version named by If-Match; 428 without one, 412 when it is not the current one."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if header == "*":
        return obj.version
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    if etag_for(obj) not in tags:
        raise PreconditionFailed()
    return obj.version


def django_errors_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class ServiceWriteMixin:
    """Runs writes through a service function and turns its errors into HTTP answers."""

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())

    def call_service(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        except DjangoValidationError as exc:
            raise django_errors_to_drf(exc) from exc
        except ConflictError as exc:
            raise PreconditionFailed() from exc

    def update_through(
        self, request, obj, service, *, allowed: bool, denied: str, partial: bool, fields=None
    ):
        """The shared PUT/PATCH: permission, If-Match, validation, then only the fields that
        really change go to the service (which checks the version again inside its lock)."""
        if not allowed:
            self.permission_denied(request, denied)
        version = expected_version(request, obj)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", None) or request.data.get("reason", "")
        changed = {
            k: v
            for k, v in data.items()
            if (fields is None or k in fields) and getattr(obj, k) != v
        }
        return self.call_service(
            service, obj, changed, user=request.user, reason=reason, expected_version=version
        )

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def respond(self, obj, status_code=status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(obj).data, status=status_code)
        response["ETag"] = etag_for(obj)
        return response


class ChangeSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Change
        fields = [
            "id",
            "created_at",
            "user_name",
            "action",
            "kind",
            "object_id",
            "object_repr",
            "object_version",
            "related_repr",
            "before",
            "after",
            "reason",
            "reverts",
            "request_id",
            "url",
        ]
        read_only_fields = fields

    def get_kind(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


@extend_schema(tags=["changes"])
class ChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """The change log: every recorded change, newest first."""

    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet
    queryset = Change.objects.select_related("content_type")

    def get_queryset(self):
        return visible_changes(self.request.user, super().get_queryset())
