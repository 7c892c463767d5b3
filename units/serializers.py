from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from units.models import ROSTER_ORDER, Unit
from yuecheng_housing.lib.api_fields import StrictCharField


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent"]


class UnitNameField(StrictCharField):
    """A unit named exactly as in the roster ("区建设局"); the schema lists them.

    People's spreadsheets may say "建设局" or an alias (the import reads those);
    a machine client names the unit as the roster and this schema do.
    """

    default_error_messages = {"unknown": "未知单位“{name}”：请使用单位名册中的全称。"}

    def __init__(self, **kwargs) -> None:
        # " 区建设局 " is not a name in the schema's list: no trimming.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> Unit:
        name = super().to_internal_value(data)
        unit = Unit.objects.filter(name=name).first()
        if unit is None:
            self.fail("unknown", name=name[:50])
        return unit

    def to_representation(self, unit: Unit) -> str:
        return unit.name


class UnitNameFieldSchema(OpenApiSerializerFieldExtension):
    # The roster changes at run time, so the schema reads it when it is generated.
    target_class = UnitNameField

    def map_serializer_field(self, auto_schema, direction) -> dict:
        try:
            names = list(
                Unit.objects.order_by(*ROSTER_ORDER).values_list("name", flat=True)
            )
        except DatabaseError:
            # `check --deploy` builds the schema before `migrate` may have run.
            return {"type": "string", "description": "单位全称"}
        return {"type": "string", "enum": names, "description": "单位全称"}


class GroupNameField(UnitNameField):
    """A group of units named as in the roster (各镇街); the schema lists them."""

    default_error_messages = {"unknown": "未知单位组“{name}”：请使用单位名册中的全称。"}

    def to_internal_value(self, data: object) -> Unit:
        unit = super().to_internal_value(data)
        if unit.kind != Unit.Kind.GROUP:
            self.fail("unknown", name=unit.name)
        return unit


class GroupNameFieldSchema(OpenApiSerializerFieldExtension):
    # Groups are added at run time too; a handful, whatever the towns number.
    target_class = GroupNameField
    priority = 1

    def map_serializer_field(self, auto_schema, direction) -> dict:
        try:
            names = list(
                Unit.objects.filter(kind=Unit.Kind.GROUP)
                .order_by(*ROSTER_ORDER)
                .values_list("name", flat=True)
            )
        except DatabaseError:
            # `check --deploy` builds the schema before `migrate` may have run.
            names = []
        schema = {"type": "string", "description": "单位组全称"}
        return {**schema, "enum": names} if names else schema
