"""The 年度考核's API: the same selectors, services, access rules and errors as
its pages and the rest of /api/v1/.

GET the year's table (officials, admins) or a unit's sheet (also the unit's own
staff); POST an objection (the unit's staff) or an answer (admins). Each write is
one call of assessment.services, which raise PermissionDenied, ValidationError
and Conflict; the project's API exception handler gives each its status (403,
400, 409) and the one error shape, so nothing here catches them.
"""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from assessment.access import may_object, may_see_sheet, may_see_table
from assessment.models import Adjustment, ListKind, Objection
from assessment.selectors import (
    AssessmentTable,
    assessment_table,
    objection_deadline,
    unit_sheet,
)
from assessment.services import objection_answer, objection_file
from units.models import Unit
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.api_fields import PlanNumberField, StrictCharField
from yuecheng_housing.lib.periods import PLAN_YEARS

# Named once for the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
ASSESSMENT_LISTS = ListKind.choices
ASSESSMENT_ADJUSTMENT_KINDS = Adjustment.Kind.choices

YEAR = OpenApiParameter(
    "year", int, OpenApiParameter.PATH, description="考核年度（2023—2027）"
)
UNIT_ID = OpenApiParameter(
    "unit_id", int, OpenApiParameter.PATH, description="单位编号"
)
OBJECTION_ID = OpenApiParameter(
    "objection_id", int, OpenApiParameter.PATH, description="异议编号"
)


class FactSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    url = serializers.CharField(help_text="显示这一事实的页面（站内路径）")


class PartSerializer(serializers.Serializer):
    label = serializers.CharField()
    short = serializers.CharField()
    weight = serializers.FloatField(help_text="权重（方案中各项合计100）")
    share = serializers.FloatField(
        allow_null=True, help_text="得分率 0—1；对该单位不适用时为 null"
    )
    points = serializers.FloatField(allow_null=True, help_text="折算后的得分")
    summary = serializers.CharField(help_text="如“11/12”")
    facts = FactSerializer(many=True)
    corrected = serializers.BooleanField(default=False, help_text="已被更正")


class AdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=ASSESSMENT_ADJUSTMENT_KINDS,
        help_text="bonus 加分，deduction 扣分，veto 一票否决",
    )
    kind_label = serializers.CharField()
    category = serializers.CharField(help_text="事由类别，如“典型示范”“通报批评”")
    points = serializers.FloatField()
    reason = serializers.CharField()
    evidence = serializers.CharField(help_text="依据")


class RowCorrectionSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()
    reason = serializers.CharField()


class RowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    list = serializers.ChoiceField(
        choices=ASSESSMENT_LISTS, help_text="departments 区级部门，towns 镇街及平台公司"
    )
    list_title = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True, help_text="本榜单名次；并列同名次")
    base = serializers.FloatField(allow_null=True, help_text="各项得分之和")
    bonus = serializers.FloatField()
    deduction = serializers.FloatField()
    total = serializers.FloatField(allow_null=True, help_text="没有适用项目时为 null")
    grade = serializers.CharField(help_text="优秀、良好、合格、不合格或不参与考核")
    vetoed = serializers.BooleanField(help_text="一票否决")
    parts = serializers.DictField(child=PartSerializer(), help_text="按项目代码")
    adjustments = AdjustmentSerializer(many=True)
    corrections = RowCorrectionSerializer(many=True)


class SchemeSerializer(serializers.Serializer):
    weights = serializers.DictField(child=serializers.FloatField())


class PartRuleSerializer(serializers.Serializer):
    label = serializers.CharField()
    rule = serializers.CharField()


class _YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    published = serializers.BooleanField(help_text="false 为按当前数据的试算")
    published_on = serializers.DateField(allow_null=True)
    as_of = serializers.DateField(help_text="数据截至的日期")
    objection_deadline = serializers.DateField(
        allow_null=True, help_text="异议期最后一天（含）"
    )


class TableSerializer(_YearSerializer):
    missing_schemes = serializers.ListField(
        child=serializers.CharField(), help_text="尚未设定方案的榜单（试算时）"
    )
    open_objections = serializers.IntegerField(help_text="待答复的异议数")
    schemes = serializers.DictField(child=SchemeSerializer(), help_text="按榜单")
    parts = serializers.DictField(child=PartRuleSerializer(), help_text="按项目代码")
    rows = RowSerializer(many=True)


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    unit = serializers.CharField(source="unit.name")
    text = serializers.CharField()
    filed_at = serializers.DateTimeField()
    answered = serializers.BooleanField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class CorrectionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="如 bonus、part:returns")
    before = serializers.JSONField()
    after = serializers.JSONField()
    reason = serializers.CharField()
    made_at = serializers.DateTimeField()


class SheetSerializer(_YearSerializer):
    unit = serializers.CharField()
    may_object = serializers.BooleanField(help_text="调用者现在可以对本表提出异议")
    row = RowSerializer()
    objections = ObjectionSerializer(many=True)
    corrections = CorrectionSerializer(many=True)


class ObjectionInSerializer(serializers.Serializer):
    text = StrictCharField(max_length=2000, help_text="异议内容：哪一项、为什么")


class CorrectionInSerializer(serializers.Serializer):
    field = StrictCharField(
        max_length=40,
        help_text="bonus 加分合计，deduction 扣分合计，veto 一票否决，"
        "part:<项目代码> 该项得分率（%）",
    )
    value = PlanNumberField(help_text="更正后的值（JSON 数值）；一票否决 1 是 0 否")
    reason = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default="",
        help_text="更正理由；不填时用答复",
    )  # fmt: skip


class AnswerInSerializer(serializers.Serializer):
    answer = StrictCharField(max_length=2000)
    correction = CorrectionInSerializer(
        required=False, allow_null=True, default=None,
        help_text="答复需要改动结果时：更正一项",
    )  # fmt: skip


def _plan_year(year: int) -> None:
    if year not in PLAN_YEARS:
        raise NotFound(f"没有{year}年度的考核：方案年度为2023—2027年。")


def _year_fields(table: AssessmentTable) -> dict:
    result = table.result
    return {
        "year": table.year,
        "published": result is not None,
        "published_on": result.published_on if result else None,
        "as_of": date.fromisoformat(table.snapshot["as_of"]),
        "objection_deadline": objection_deadline(result) if result else None,
    }


def _sheet_unit(request: Request, unit_id: int) -> Unit:
    """As the page: officials, admins and the unit's own staff; others 403."""
    unit = Unit.objects.filter(pk=unit_id).exclude(kind=Unit.Kind.GROUP).first()
    if unit is None:
        raise NotFound(f"没有编号为{unit_id}的单位。")
    if not may_see_sheet(request.user, unit):
        raise PermissionDenied("只能查看本单位的考核表。")
    return unit


class AssessmentTableApi(GenericAPIView):
    serializer_class = TableSerializer

    @extend_schema(
        summary="年度考核结果总表（已发布的冻结结果，未发布时为试算）",
        operation_id="assessment_table",
        parameters=[YEAR],
        responses={200: TableSerializer, **error_responses(403, 404)},
        description="领导和管理员可看；单位账号请看本单位的考核表（403）。"
        "发布前为按当前数据的试算，尚未设定方案的榜单没有得分。",
    )
    def get(self, request: Request, year: int) -> Response:
        _plan_year(year)
        if not may_see_table(request.user):
            raise PermissionDenied("考核结果总表仅供领导和管理员查看。")
        table = assessment_table(year=year, today=timezone.localdate())
        data = {
            **_year_fields(table),
            "missing_schemes": table.missing_schemes,
            "open_objections": table.open_objections,
            "schemes": table.snapshot["schemes"],
            "parts": table.snapshot["parts"],
            "rows": table.snapshot["rows"],
        }
        return Response(TableSerializer(data).data)


def _sheet(request: Request, year: int, unit: Unit) -> dict:
    today = timezone.localdate()
    sheet = unit_sheet(year=year, unit=unit, today=today)
    if sheet.row is None:
        raise NotFound(f"{unit.name}不在{year}年度考核范围内。")
    data = {
        **_year_fields(sheet.table),
        "unit": unit.name,
        "may_object": sheet.table.result is not None
        and may_object(request.user, unit)
        and today <= sheet.deadline,
        "row": sheet.row,
        "objections": sheet.objections,
        "corrections": sheet.corrections,
    }
    return SheetSerializer(data).data


class AssessmentSheetApi(GenericAPIView):
    serializer_class = SheetSerializer

    @extend_schema(
        summary="单位年度考核表：各项得分及其依据、加减分、异议和更正",
        operation_id="assessment_sheet",
        parameters=[YEAR, UNIT_ID],
        responses={200: SheetSerializer, **error_responses(403, 404)},
        description="本单位账号、领导和管理员可看；其他单位的账号为403。"
        "不在当年考核范围内的单位为404。",
    )
    def get(self, request: Request, year: int, unit_id: int) -> Response:
        _plan_year(year)
        unit = _sheet_unit(request, unit_id)
        return Response(_sheet(request, year, unit))


class ObjectionApi(GenericAPIView):
    parser_classes = [JSONParser]
    serializer_class = ObjectionInSerializer

    @extend_schema(
        summary="单位对本单位已发布的考核结果提出异议",
        operation_id="assessment_objection_create",
        parameters=[YEAR, UNIT_ID],
        request=ObjectionInSerializer,
        responses={
            201: SheetSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
        description="只有本单位账号可以提出（其他账号403）；异议期已过或内容为空400；"
        "考核结果尚未发布409（not_published）。",
    )
    def post(self, request: Request, year: int, unit_id: int) -> Response:
        _plan_year(year)
        unit = _sheet_unit(request, unit_id)
        data = ObjectionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection_file(
            year=year, unit=unit, text=data.validated_data["text"], user=request.user
        )
        return Response(_sheet(request, year, unit), status=status.HTTP_201_CREATED)


class AnswerApi(GenericAPIView):
    parser_classes = [JSONParser]
    serializer_class = AnswerInSerializer

    @extend_schema(
        summary="管理员答复异议（需要时同时更正一项）",
        operation_id="assessment_objection_answer",
        parameters=[YEAR, OBJECTION_ID],
        request=AnswerInSerializer,
        responses={
            200: SheetSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
        description="只有管理员可以答复（403）；每条异议只答复一次，再答409（answered）；"
        "更正的项目或数值不符合要求400，什么也不改变。",
    )
    def post(self, request: Request, year: int, objection_id: int) -> Response:
        _plan_year(year)
        target = (
            Objection.objects.select_related("unit")
            .filter(pk=objection_id, result__year=year)
            .first()
        )
        if target is None or not may_see_sheet(request.user, target.unit):
            raise NotFound("没有这条异议。")
        data = AnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        correction = fields["correction"]
        objection_answer(
            objection_id=target.pk,
            answer=fields["answer"],
            correction=None
            if correction is None
            else {
                "field": correction["field"],
                "value": correction["value"],
                "reason": correction["reason"],
            },
            user=request.user,
        )
        return Response(_sheet(request, year, target.unit))
