"""Write API for units whose own systems push data: the same services as the forms.

The services raise Django's PermissionDenied and ValidationError, Conflict and
NeedsConfirmation; the project's API exception handler turns each into its
status and the one error shape, so nothing here catches them.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from indicators.models import Indicator
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from reporting.services import MAX_VALUE, indicator_value_save, item_progress_save
from reporting.visibility import visible_to
from tasks.models import ChecklistItem
from units.serializers import UnitNameField
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.api_fields import (
    PeriodField,
    PlanNumberField,
    PlanYearField,
    QueryIntegerField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    read_query,
)
from yuecheng_housing.lib.api_pagination import StrictLimitOffsetPagination

# What a write may answer besides 201: bad fields or warnings to confirm (400),
# another unit's line (403), a submitted, locked or newer line (409), not JSON (415).
WRITE_ERRORS = error_responses(400, 403, 409, 415)

INDICATOR_CODE_ERRORS = {
    "min_value": "指标序号应为1至14。",
    "max_value": "指标序号应为1至14。",
}

# Named once for the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
ITEM_PROGRESS_STATUSES = ItemProgress.Status.choices
REPORT_STATUSES = MonthlyReport.Status.choices


class _LineInSerializer(serializers.Serializer):
    """写入月报中一行时都要带的字段。"""

    unit = UnitNameField()
    period = PeriodField(help_text="所报月份，如 2023-06")
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)
    version = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="写入前看到的版本；0 表示此前尚无数据（若已有人填写则返回409）。",
    )
    confirm = StrictBooleanField(
        required=False,
        default=False,
        help_text="确认看来异常的提示（如“是上月的10倍以上”、完成日期晚于所报月份）"
        "后仍然保存。",
    )


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "maximum": int(MAX_VALUE),
        "exclusiveMaximum": True,
    }
)
class _ValueField(PlanNumberField):
    """A figure as the services accept it: not negative, under 10 000 000 000."""


class ProgressInSerializer(_LineInSerializer):
    indicator = StrictIntegerField(
        min_value=1,
        max_value=14,
        error_messages=INDICATOR_CODE_ERRORS,
        help_text="指标序号",
    )
    value = _ValueField(
        help_text="数值（JSON 数值），按指标的计量单位：万套填 1.4475，比率填 0—100。"
    )
    decrease_reason = StrictCharField(required=False, allow_blank=True, max_length=2000)

    def validate_indicator(self, code: int) -> Indicator:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise serializers.ValidationError(f"没有序号为{code}的指标。")
        return indicator


class ProgressOutSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator.code")
    unit = serializers.CharField(source="report.unit.name")
    period = PeriodField(source="report.period")
    value = PlanNumberField()
    status = serializers.ChoiceField(source="report.status", choices=REPORT_STATUSES)
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


class ProgressQuerySerializer(serializers.Serializer):
    indicator = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=14,
        error_messages=INDICATOR_CODE_ERRORS,
        help_text="指标序号",
    )
    unit = UnitNameField(required=False, help_text="单位全称")
    year = PlanYearField(required=False, help_text="方案年度（2023—2027）")


class TaskProgressInSerializer(_LineInSerializer):
    item = StrictIntegerField(min_value=1, max_value=2**31 - 1, help_text="事项编号")
    status = serializers.ChoiceField(choices=ITEM_PROGRESS_STATUSES)
    completed_on = StrictDateField(
        required=False, allow_null=True, help_text="完成日期（status 为 done 时）"
    )

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


class ProgressApi(GenericAPIView):
    """POST a unit's monthly value; GET lists values by indicator, unit, year."""

    parser_classes = [JSONParser]
    pagination_class = StrictLimitOffsetPagination
    serializer_class = ProgressOutSerializer

    @extend_schema(
        summary="报送指标的月度数值",
        request=ProgressInSerializer,
        responses={201: ProgressOutSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = ProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        stored = indicator_value_save(
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

    @extend_schema(
        summary="查询已报送的指标数值（分页）",
        parameters=[ProgressQuerySerializer],
        responses={200: ProgressOutSerializer(many=True), **error_responses(400)},
        description="草稿和退回待改的月份只给本单位的填报员看。",
    )
    def get(self, request: Request) -> Response:
        query = read_query(ProgressQuerySerializer, request)
        values = IndicatorValue.objects.select_related(
            "indicator", "report__unit", "updated_by"
        ).order_by("report__period", "indicator__code", "report__unit__position", "pk")
        if "indicator" in query:
            values = values.filter(indicator__code=query["indicator"])
        if "unit" in query:
            values = values.filter(report__unit=query["unit"])
        if "year" in query:
            values = values.filter(report__period__year=query["year"])
        page = self.paginate_queryset(visible_to(request.user, values))
        return self.get_paginated_response(ProgressOutSerializer(page, many=True).data)


class TaskProgressApi(GenericAPIView):
    """POST a unit's progress on a checklist item for a month."""

    parser_classes = [JSONParser]
    serializer_class = TaskProgressOutSerializer

    @extend_schema(
        summary="报送工作清单事项的月度进展",
        request=TaskProgressInSerializer,
        responses={201: TaskProgressOutSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = TaskProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        stored = item_progress_save(
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
