"""The drf-spectacular pieces of the practices API: choice fields documented as named enum
components (and the extension that names them), the schema that documents the list's filters
on the export, and the path parameters of the revision and comment endpoints."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="Revision number."
)
COMMENT_ID = OpenApiParameter(
    "comment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Comment id."
)


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose values are documented as the enum component `enum_name`.

    drf-spectacular names enums after the field ("StatusEnum") and falls back to hashed names
    when several choice sets share a field name (kind, status, role) across components; these
    fields name their own component instead (see NamedChoiceFieldExtension)."""

    def __init__(self, *args, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = [value for value in field.choices if value not in ("", None)]
        schemas = [_component(auto_schema, field.enum_name, {"type": "string", "enum": values})]
        if field.allow_blank:
            schemas.append(_component(auto_schema, "BlankEnum", {"enum": [""]}))
        if field.allow_null:
            schemas.append(_component(auto_schema, "NullEnum", {"enum": [None]}))
        return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}


def _component(auto_schema, name: str, schema: dict) -> dict:
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
    )
    auto_schema.registry.register_on_missing(component)
    return component.ref


def choice(enum_name: str, choices, **kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=choices, enum_name=enum_name, **kwargs)


class PracticeSchema(AutoSchema):
    """Documents the list's filters on the export too, which answers one file, not a list."""

    def get_filter_backends(self):
        if getattr(self.view, "action", None) == "export":
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()
