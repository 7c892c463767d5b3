"""Write API for units whose own systems push data: the same services as the forms."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import Indicator
from reporting.models import IndicatorValue, ItemProgress
from reporting.services import indicator_value_save, item_progress_save
from reporting.visibility import visible_to
from tasks.models import ChecklistItem
from units.selectors import unit_by_name
from yuecheng_housing.lib.api_fields import PlanNumberField
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.numbers import parse_number
from yuecheng_housing.lib.periods import format_period, parse_period
from yuecheng_housing.lib.query import id_param, parse_plan_year


class PeriodField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return parse_period(super().to_internal_value(data))
        except ValueError as e:
            raise serializers.ValidationError(str(e)) from None

    def to_representation(self, value) -> str:
        return format_period(value)


class UnitNameField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return unit_by_name(super().to_internal_value(data))
        except DjangoValidationError as e:
            raise serializers.ValidationError(e.messages[0]) from None


class DecimalTextField(serializers.Field):
    """A number as a JSON number or as text ("1.4475万"); read against the
    indicator's unit of measure in the serializer's validate()."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            raise serializers.ValidationError("应为数字。")
        return str(data)[:40]


class _LineInSerializer(serializers.Serializer):
    """What every write of a return's line carries besides its content."""

    unit = UnitNameField()
    period = PeriodField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="写入前看到的版本；0 表示此前尚无数据（若已有人填写则返回409）。",
    )
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="确认看来异常的提示（如“是上月的10倍以上”、完成日期晚于所报月份）"
        "后仍然保存。",
    )


class ProgressInSerializer(_LineInSerializer):
    indicator = serializers.IntegerField(min_value=1)
    value = DecimalTextField()
    decrease_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000
    )

    def validate_indicator(self, code: int) -> Indicator:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise serializers.ValidationError(f"没有序号为{code}的指标。")
        return indicator

    def validate(self, attrs: dict) -> dict:
        # The same reader as the form and the import: "1.4475万" in 万套 is 1.4475.
        try:
            attrs["value"] = parse_number(attrs["value"], unit=attrs["indicator"].unit)
        except DjangoValidationError as e:
            raise serializers.ValidationError({"value": e.messages}) from None
        return attrs


class ProgressOutSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator.code")
    unit = serializers.CharField(source="report.unit.name")
    period = PeriodField(source="report.period")
    value = PlanNumberField()
    status = serializers.CharField(source="report.status")
    updated_by = serializers.CharField(source="updated_by.username")

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "unit",
            "period",
            "value",
            "note",
            "decrease_reason",
            "needs_review",
            "status",
            "version",
            "updated_by",
            "updated_at",
        ]


class TaskProgressInSerializer(_LineInSerializer):
    item = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=ItemProgress.Status.values)
    completed_on = serializers.DateField(required=False, allow_null=True)

    def validate_item(self, pk: int) -> ChecklistItem:
        item = ChecklistItem.objects.select_related("entry__work_list").filter(pk=pk)
        if not item:
            raise serializers.ValidationError(f"没有编号为{pk}的工作清单事项。")
        return item[0]


class TaskProgressOutSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="report.unit.name")
    period = PeriodField(source="report.period")

    class Meta:
        model = ItemProgress
        fields = [
            "id",
            "item",
            "unit",
            "period",
            "status",
            "completed_on",
            "note",
            "version",
        ]


def _call(service, **kwargs):
    """Run a write service, turning its errors into the API's status codes."""
    try:
        return service(**kwargs)
    except DjangoPermissionDenied as e:
        raise PermissionDenied(str(e)) from None
    except DjangoValidationError as e:
        detail = e.message_dict if hasattr(e, "error_dict") else {"detail": e.messages}
        raise ValidationError(detail) from None
    except Conflict as e:
        raise _ConflictError(e) from None
    except NeedsConfirmation as e:
        # 400 listing what looks wrong; sending it again with "confirm": true saves.
        raise ValidationError(
            {"value": e.warnings, "code": NeedsConfirmation.code}
        ) from None


class _ConflictError(Exception):
    def __init__(self, conflict: Conflict) -> None:
        self.conflict = conflict


class _WriteApi(APIView):
    def handle_exception(self, exc):
        if isinstance(exc, _ConflictError):
            return Response(
                {"detail": exc.conflict.message, "code": exc.conflict.code},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)


class ProgressApi(_WriteApi):
    """POST a unit's monthly value; GET lists values by indicator, unit, year."""

    @extend_schema(request=ProgressInSerializer, responses={201: ProgressOutSerializer})
    def post(self, request: Request) -> Response:
        data = ProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        stored = _call(
            indicator_value_save,
            user=request.user,
            unit=fields["unit"],
            indicator=fields["indicator"],
            period=fields["period"],
            value=fields["value"],
            note=fields.get("note", ""),
            decrease_reason=fields.get("decrease_reason", ""),
            expected_version=fields.get("version"),
            confirmed=fields["confirm"],
            reason="接口报送",
        )
        return Response(
            ProgressOutSerializer(stored).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=ProgressOutSerializer(many=True))
    def get(self, request: Request) -> Response:
        values = IndicatorValue.objects.select_related(
            "indicator", "report__unit", "updated_by"
        ).order_by("report__period", "indicator__code", "report__unit__position")
        params = request.query_params
        if "indicator" in params:
            code = id_param(params["indicator"])
            if code is None:
                raise ValidationError({"indicator": "指标序号应为1至14的整数。"})
            values = values.filter(indicator__code=code)
        if params.get("unit"):
            try:
                values = values.filter(report__unit=unit_by_name(params["unit"]))
            except DjangoValidationError as e:
                raise ValidationError({"unit": e.messages[0]}) from None
        if "year" in params:
            try:
                year = parse_plan_year(params["year"])
            except ValueError as e:
                raise ValidationError({"year": str(e)}) from None
            values = values.filter(report__period__year=year)
        values = visible_to(request.user, values)
        return Response(ProgressOutSerializer(values[:5000], many=True).data)


class TaskProgressApi(_WriteApi):
    """POST a unit's progress on a checklist item for a month."""

    @extend_schema(
        request=TaskProgressInSerializer, responses={201: TaskProgressOutSerializer}
    )
    def post(self, request: Request) -> Response:
        data = TaskProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        stored = _call(
            item_progress_save,
            user=request.user,
            unit=fields["unit"],
            item=fields["item"],
            period=fields["period"],
            status=fields["status"],
            completed_on=fields.get("completed_on"),
            note=fields.get("note", ""),
            expected_version=fields.get("version"),
            confirmed=fields["confirm"],
            reason="接口报送",
        )
        return Response(
            TaskProgressOutSerializer(stored).data, status=status.HTTP_201_CREATED
        )
