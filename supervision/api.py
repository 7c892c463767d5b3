"""The supervision items' API: the same services, scoping and errors as the rest.

GET lists the items the caller may see (paged) and shows one with its story; POST
…/feedback/ is a responsible unit's feedback (签收, 申请办结, 延期申请), each by
the service of that step. The services raise PermissionDenied, ValidationError and
Conflict; the project's API exception handler gives each its status (403, 400,
409) and the one error shape, so nothing here catches them.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from supervision.lights import LABELS as LIGHT_LABELS
from supervision.models import SupervisionEvent, SupervisionItem, SupervisionSettings
from supervision.selectors import item_for, item_row, item_rows
from supervision.services import item_apply, item_extension_ask, item_receive
from units.serializers import UnitNameField
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.api_fields import (
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    read_query,
)
from yuecheng_housing.lib.api_pagination import StrictLimitOffsetPagination
from yuecheng_housing.lib.periods import PLAN_YEARS

# Named once for the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
SUPERVISION_SOURCES = SupervisionItem.Source.choices
SUPERVISION_STATES = SupervisionItem.State.choices
SUPERVISION_LIGHTS = list(LIGHT_LABELS.items())
SUPERVISION_EVENTS = SupervisionEvent.Kind.choices
FEEDBACK_KINDS = [
    ("receive", "签收"),
    ("apply", "申请办结"),
    ("extension", "延期申请"),
]


class LightSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=SUPERVISION_LIGHTS,
        help_text="normal 正常，due_soon 临期（黄灯），overdue 逾期（红灯），"
        "done_on_time 已办结（按期），done_late 已办结（逾期），cancelled 已撤销",
    )
    label = serializers.CharField()
    text = serializers.CharField(help_text="如“还剩2天”“已逾期3天”")
    days = serializers.IntegerField(help_text="剩余、逾期或晚办结的天数")


class ItemOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    title = serializers.CharField(source="item.title")
    text = serializers.CharField(source="item.text")
    source = serializers.ChoiceField(source="item.source", choices=SUPERVISION_SOURCES)
    lead_unit = serializers.CharField(source="lead.name", allow_null=True)
    co_units = serializers.SerializerMethodField()
    assigned_on = serializers.DateField(source="item.assigned_on")
    deadline = serializers.DateField(source="item.deadline")
    state = serializers.ChoiceField(source="item.state", choices=SUPERVISION_STATES)
    light = LightSerializer()
    extension_until = serializers.DateField(
        source="item.extension_until", allow_null=True, help_text="待审批的延期申请"
    )
    finished_on = serializers.DateField(
        source="item.finished_on", allow_null=True, help_text="验收通过的办结申请日期"
    )
    version = serializers.IntegerField(source="item.version")

    def get_co_units(self, row) -> list[str]:
        return [u.name for u in row.co_units]


class EventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SUPERVISION_EVENTS)
    at = serializers.DateTimeField()
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    text = serializers.CharField()
    automatic = serializers.BooleanField()
    deadline_after = serializers.DateField()


class ItemDetailSerializer(ItemOutSerializer):
    events = EventSerializer(many=True, source="item.events.all")


class ItemQuerySerializer(serializers.Serializer):
    unit = UnitNameField(required=False, help_text="责任单位全称（牵头或配合）")
    state = serializers.ChoiceField(choices=SUPERVISION_STATES, required=False)
    light = serializers.ChoiceField(choices=SUPERVISION_LIGHTS, required=False)
    source = serializers.ChoiceField(choices=SUPERVISION_SOURCES, required=False)
    year = serializers.ChoiceField(choices=list(PLAN_YEARS), required=False)


class FeedbackSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=FEEDBACK_KINDS,
        help_text="receive 签收，apply 申请办结（须 account），"
        "extension 延期申请（须 until 与 reason）",
    )
    account = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default="",
        help_text="办理情况（申请办结时至少4个字）",
    )  # fmt: skip
    until = StrictDateField(required=False, allow_null=True, default=None)
    reason = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default=""
    )
    version = StrictIntegerField(
        min_value=0, max_value=2**31 - 1,
        help_text="看到的版本；已被他人修改则返回409（stale）",
    )  # fmt: skip


class ItemListApi(GenericAPIView):
    """GET the items the caller may see."""

    pagination_class = StrictLimitOffsetPagination
    serializer_class = ItemOutSerializer

    @extend_schema(
        summary="查询督办事项（分页）",
        operation_id="supervision_item_list",
        parameters=[ItemQuerySerializer],
        responses={200: ItemOutSerializer(many=True), **error_responses(400)},
        description="单位账号只看到本单位牵头或配合的事项；领导和管理员看到全部。"
        "year 为事项所属年度：当年交办，或此前交办、当年年初尚未办结或撤销。",
    )
    def get(self, request: Request) -> Response:
        query = read_query(ItemQuerySerializer, request)
        rows = item_rows(
            user=request.user,
            today=timezone.localdate(),
            unit=query.get("unit"),
            state=query.get("state", ""),
            light_code=query.get("light", ""),
            source=query.get("source", ""),
            year=query.get("year"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ItemOutSerializer(page, many=True).data)


ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="编号")


def _detail(request: Request, item_id: int) -> dict:
    item = item_for(user=request.user, item_id=item_id)
    if item is None:
        raise NotFound("没有这个督办事项，或您无权查看。")
    row = item_row(
        item, today=timezone.localdate(), settings_row=SupervisionSettings.load()
    )
    return ItemDetailSerializer(row).data


class ItemDetailApi(GenericAPIView):
    serializer_class = ItemDetailSerializer

    @extend_schema(
        summary="查看一个督办事项及其办理记录",
        operation_id="supervision_item_retrieve",
        parameters=[ITEM_ID],
        responses={200: ItemDetailSerializer, **error_responses(404)},
    )
    def get(self, request: Request, item_id: int) -> Response:
        return Response(_detail(request, item_id))


class ItemFeedbackApi(GenericAPIView):
    """POST a responsible unit's feedback on an item."""

    parser_classes = [JSONParser]
    serializer_class = FeedbackSerializer

    @extend_schema(
        summary="责任单位反馈（签收、申请办结、延期申请）",
        operation_id="supervision_item_feedback",
        parameters=[ITEM_ID],
        request=FeedbackSerializer,
        responses={
            200: ItemDetailSerializer,
            **error_responses(400, 403, 404, 409, 415),
        },
        description="只有该事项的牵头或配合单位的账号可以反馈（否则403）；"
        "事项状态不允许该操作（如已办结、已撤销）或 version 已过时返回409。",
    )
    def post(self, request: Request, item_id: int) -> Response:
        if item_for(user=request.user, item_id=item_id) is None:
            raise NotFound("没有这个督办事项，或您无权查看。")
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        common = {
            "user": request.user,
            "item_id": item_id,
            "expected_version": fields["version"],
        }
        if fields["kind"] == "receive":
            item_receive(**common)
        elif fields["kind"] == "apply":
            item_apply(**common, account=fields["account"])
        else:
            item_extension_ask(**common, until=fields["until"], reason=fields["reason"])
        return Response(_detail(request, item_id))
