"""The register's API: the same service, scoping and errors as the progress API.

GET lists the cases the caller may see (paged) and shows one; POST creates a case
or changes one. The services raise PermissionDenied, ValidationError, Conflict and
NeedsConfirmation; the project's API exception handler gives each its status and
the one error shape, so nothing here catches them.
"""

from django.db import DatabaseError
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from hazards.access import visible_cases
from hazards.clocks import State
from hazards.models import HazardCase
from hazards.selectors import case_for, judged
from hazards.services import CaseData, hazard_case_save
from units.models import ROSTER_ORDER, Unit
from units.serializers import UnitNameField
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.api_fields import (
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    read_query,
)
from yuecheng_housing.lib.api_pagination import StrictLimitOffsetPagination

# Named once for the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
HAZARD_KINDS = HazardCase.Kind.choices
HAZARD_GRADES = HazardCase.Grade.choices
HAZARD_REMEDIES = HazardCase.Remedy.choices
HAZARD_STATES = State.choices

WRITE_ERRORS = error_responses(400, 403, 404, 409, 415)


class TownNameField(UnitNameField):
    """A town named exactly as in the roster (府山街道); the schema lists the towns."""

    default_error_messages = {"unknown": "未知镇街“{name}”：请使用单位名册中的全称。"}

    def to_internal_value(self, data: object) -> Unit:
        unit = super().to_internal_value(data)
        if unit.kind != Unit.Kind.TOWN:
            self.fail("unknown", name=unit.name)
        return unit


class TownNameFieldSchema(OpenApiSerializerFieldExtension):
    # The towns change at run time (an admin adds them), so the schema reads
    # them when it is generated.
    target_class = TownNameField
    priority = 1

    def map_serializer_field(self, auto_schema, direction) -> dict:
        try:
            names = list(
                Unit.objects.filter(kind=Unit.Kind.TOWN)
                .order_by(*ROSTER_ORDER)
                .values_list("name", flat=True)
            )
        except DatabaseError:
            # `check --deploy` builds the schema before `migrate` may have run.
            names = []
        schema = {"type": "string", "description": "镇街全称"}
        return {**schema, "enum": names} if names else schema


def _date(help_text: str) -> StrictDateField:
    return StrictDateField(required=False, allow_null=True, help_text=help_text)


class HazardInSerializer(serializers.Serializer):
    town = TownNameField(help_text="镇街（单位名册中的全称），只能是本账号所属的镇街")
    address = StrictCharField(max_length=200, help_text="地址")
    kind = serializers.ChoiceField(
        choices=HAZARD_KINDS, help_text="urban 城镇，rural 农村"
    )
    hardship = StrictBooleanField(
        required=False, default=False, help_text="农村困难家庭"
    )
    found_on = StrictDateField(help_text="发现日期")
    appraised_on = _date("鉴定日期（与 grade 同时填写）")
    grade = serializers.ChoiceField(
        choices=HAZARD_GRADES, required=False, allow_blank=True, default=""
    )
    evacuated_on = _date("撤离日期（仅D级）")
    remedy = serializers.ChoiceField(
        choices=HAZARD_REMEDIES, required=False, allow_blank=True, default=""
    )
    remedied_on = _date("整治完成日期")
    relief_granted_on = _date("救助到位日期（仅困难家庭）")
    note = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default=""
    )
    version = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="修改前看到的版本（新登记填0或不填）；已被他人修改则返回409。",
    )
    confirm = StrictBooleanField(
        required=False,
        default=False,
        help_text="本镇街已有同一地址的在办危房时，确认是另一幢房屋后仍然保存。",
    )

    def case_data(self) -> CaseData:
        fields = self.validated_data
        return CaseData(
            **{name: fields.get(name) for name in CaseData.__dataclass_fields__}
        )


class HazardOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    town = serializers.CharField(source="town.name")
    address = serializers.CharField()
    kind = serializers.ChoiceField(choices=HAZARD_KINDS)
    hardship = serializers.BooleanField()
    found_on = serializers.DateField()
    appraised_on = serializers.DateField(allow_null=True)
    grade = serializers.ChoiceField(choices=HAZARD_GRADES, allow_blank=True)
    evacuated_on = serializers.DateField(allow_null=True)
    remedy = serializers.ChoiceField(choices=HAZARD_REMEDIES, allow_blank=True)
    remedied_on = serializers.DateField(allow_null=True)
    relief_granted_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    state = serializers.ChoiceField(
        source="clock.state", choices=HAZARD_STATES, help_text="按方案时限判定的状态"
    )
    due_on = serializers.DateField(
        source="clock.due_on", allow_null=True, help_text="当前环节的期限"
    )
    days = serializers.IntegerField(
        source="clock.days", help_text="剩余天数，或 overdue 为 true 时的逾期天数"
    )
    overdue = serializers.BooleanField(source="clock.overdue")
    relief_due_on = serializers.DateField(
        source="clock.relief_due_on", allow_null=True, help_text="困难家庭救助期限"
    )
    relief_overdue = serializers.BooleanField(source="clock.relief_overdue")
    version = serializers.IntegerField()
    updated_by = serializers.CharField(source="updated_by.username")
    updated_at = serializers.DateTimeField()


class HazardQuerySerializer(serializers.Serializer):
    town = TownNameField(required=False, help_text="镇街全称")
    kind = serializers.ChoiceField(choices=HAZARD_KINDS, required=False)


def _with_clocks(cases: list[HazardCase]) -> list[HazardCase]:
    for row in judged(cases, today=timezone.localdate()):
        row.case.clock = row.clock
    return cases


def _saved(request: Request, case_id: int | None) -> HazardCase:
    data = HazardInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    stored = hazard_case_save(
        user=request.user,
        data=data.case_data(),
        case_id=case_id,
        expected_version=data.validated_data.get("version"),
        confirmed=data.validated_data["confirm"],
        reason="接口报送",
    )
    (case,) = _with_clocks([case_for(user=request.user, case_id=stored.pk)])
    return case


class HazardListApi(GenericAPIView):
    """GET the cases the caller may see; POST a new case."""

    parser_classes = [JSONParser]
    pagination_class = StrictLimitOffsetPagination
    serializer_class = HazardOutSerializer

    @extend_schema(
        summary="查询危房台账（分页）",
        parameters=[HazardQuerySerializer],
        responses={200: HazardOutSerializer(many=True), **error_responses(400)},
        description="镇街账号只看到本镇街的危房；区建设局、区农水局、区民政局、"
        "领导和管理员看到全部。",
    )
    def get(self, request: Request) -> Response:
        query = read_query(HazardQuerySerializer, request)
        cases = visible_cases(request.user).select_related("town", "updated_by")
        if "town" in query:
            cases = cases.filter(town=query["town"])
        if "kind" in query:
            cases = cases.filter(kind=query["kind"])
        page = self.paginate_queryset(cases.order_by("town__position", "pk"))
        return self.get_paginated_response(
            HazardOutSerializer(_with_clocks(page), many=True).data
        )

    @extend_schema(
        summary="登记危房",
        request=HazardInSerializer,
        responses={201: HazardOutSerializer, **WRITE_ERRORS},
        description="日期不能晚于今天；鉴定日期与等级同时填写；撤离日期仅限D级；"
        "整治完成日期不早于鉴定日期。本镇街已有同一地址的在办危房时返回400"
        '（code 为 needs_confirmation），确认后带 "confirm": true 重发。',
    )
    def post(self, request: Request) -> Response:
        return Response(
            HazardOutSerializer(_saved(request, None)).data,
            status=status.HTTP_201_CREATED,
        )


CASE_ID = OpenApiParameter(
    "case_id", int, OpenApiParameter.PATH, description="危房编号"
)


class HazardDetailApi(GenericAPIView):
    """GET one case; POST its changed fields (the whole case, with its version)."""

    parser_classes = [JSONParser]
    serializer_class = HazardOutSerializer

    @extend_schema(
        summary="查看一处危房",
        operation_id="hazard_retrieve",
        parameters=[CASE_ID],
        responses={200: HazardOutSerializer, **error_responses(404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = case_for(user=request.user, case_id=case_id)
        if case is None:
            raise NotFound("没有这条危房记录，或您无权查看。")
        return Response(HazardOutSerializer(_with_clocks([case])[0]).data)

    @extend_schema(
        summary="修改一处危房",
        parameters=[CASE_ID],
        request=HazardInSerializer,
        responses={200: HazardOutSerializer, **WRITE_ERRORS},
        operation_id="hazard_update",
        description="提交整条记录（含 version）；他人镇街的危房返回403，"
        "看不到的返回404。",
    )
    def post(self, request: Request, case_id: int) -> Response:
        if case_for(user=request.user, case_id=case_id) is None:
            raise NotFound("没有这条危房记录，或您无权查看。")
        return Response(HazardOutSerializer(_saved(request, case_id)).data)
