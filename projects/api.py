"""The ledgers' API: the same service, scoping and errors as the register's.

GET lists the projects of a kind the caller may see (paged, filtered) and shows
one; POST creates a project or changes one through projects.services. The
project's API exception handler maps the services' errors to statuses.
"""

from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from projects.access import visible_projects
from projects.kinds import KIND_CHOICES, KINDS
from projects.models import Project
from projects.services import ProjectData, StageDates, project_save
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
PROJECT_KINDS = KIND_CHOICES
PROJECT_STAGES = sorted(
    {(s.key, s.label) for k in KINDS.values() for s in k.stages}, key=lambda c: c[0]
)
PROJECT_RAISINGS = Project.Raising.choices
PROJECT_SETTINGS = Project.Setting.choices
PROJECT_AWARD_LEVELS = Project.AwardLevel.choices
WRITE_ERRORS = error_responses(400, 403, 404, 409, 415)
MAX_INT = 2**31 - 1


class LedgerUnitNameField(UnitNameField):
    """A town or platform company named as in the roster: the units that keep
    ledgers (the service refuses any other unit, with the reason)."""


class LedgerUnitNameFieldSchema(OpenApiSerializerFieldExtension):
    # No enum: these names are also the hazards' towns and the returns' units,
    # and the schema would give one set of names two enum names (a warning that
    # fails `check --deploy`); the error names what is accepted.
    target_class = LedgerUnitNameField
    priority = 1

    def map_serializer_field(self, auto_schema, direction) -> dict:
        return {
            "type": "string",
            "description": "镇街或平台公司全称（单位名册中的名称）",
        }


class LedgerUnitFilterField(LedgerUnitNameField):
    """The list's filter: the same names, listed in the schema, where a query
    parameter's list is its own and clashes with no other."""


class LedgerUnitFilterFieldSchema(OpenApiSerializerFieldExtension):
    # The towns and companies change at run time: read when the schema is made.
    target_class = LedgerUnitFilterField
    priority = 2

    def map_serializer_field(self, auto_schema, direction) -> dict:
        schema = {"type": "string", "description": "镇街或平台公司全称"}
        try:
            names = list(
                Unit.objects.filter(kind__in=(Unit.Kind.TOWN, Unit.Kind.COMPANY))
                .order_by(*ROSTER_ORDER)
                .values_list("name", flat=True)
            )
        except DatabaseError:
            return schema  # `check --deploy` may build it before `migrate`
        return {**schema, "enum": names} if names else schema


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=PROJECT_STAGES, help_text="阶段")
    planned_on = StrictDateField(required=False, allow_null=True, default=None)
    reached_on = StrictDateField(required=False, allow_null=True, default=None)


def _count(help_text: str, *, least: int = 0) -> StrictIntegerField:
    return StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=least,
        max_value=MAX_INT, help_text=help_text,
    )  # fmt: skip


def _money(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False,
        allow_null=True, default=None, help_text=help_text,
    )  # fmt: skip


class ProjectInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PROJECT_KINDS, help_text="台账")
    name = StrictCharField(max_length=200, help_text="小区、地址、项目、社区或村")
    town = LedgerUnitNameField(
        help_text="镇街或平台公司（全称），只能是本账号所属的单位"
    )
    year = StrictIntegerField(min_value=2023, max_value=2027, help_text="年度计划")
    quantity = StrictIntegerField(
        required=False, default=1, min_value=1, max_value=MAX_INT,
        help_text="数量：保租房套（间）数、加装电梯台数；其余为1",
    )  # fmt: skip
    households = _count("户数（老旧小区）")
    buildings = _count("楼栋数（老旧小区）")
    raising = serializers.ChoiceField(
        choices=PROJECT_RAISINGS, required=False, allow_blank=True, default=""
    )
    setting = serializers.ChoiceField(
        choices=PROJECT_SETTINGS, required=False, allow_blank=True, default=""
    )
    award_level = serializers.ChoiceField(
        choices=PROJECT_AWARD_LEVELS, required=False, allow_blank=True, default=""
    )
    planned_investment = _money("计划投资（万元）")
    spent_investment = _money("已完成投资（万元）")
    funding_source = StrictCharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    note = StrictCharField(
        required=False, allow_blank=True, max_length=2000, default=""
    )
    stages = StageSerializer(many=True, required=False, default=list)
    version = StrictIntegerField(
        required=False, min_value=0, max_value=MAX_INT,
        help_text="修改前看到的版本；已被他人修改则返回409。",
    )  # fmt: skip
    confirm = StrictBooleanField(
        required=False, default=False,
        help_text="已完成投资超过计划投资时，核对后确认保存。",
    )  # fmt: skip

    def project_data(self) -> ProjectData:
        fields = dict(self.validated_data)
        stages = {
            s["stage"]: StageDates(s["planned_on"], s["reached_on"])
            for s in fields.pop("stages")
        }
        for name in ("version", "confirm"):
            fields.pop(name, None)
        return ProjectData(stages=stages, **fields)


class StageOutSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=PROJECT_STAGES)
    planned_on = serializers.DateField(allow_null=True)
    reached_on = serializers.DateField(allow_null=True)


class ProjectOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PROJECT_KINDS)
    name = serializers.CharField()
    town = serializers.CharField(source="town.name")
    year = serializers.IntegerField()
    quantity = serializers.IntegerField()
    households = serializers.IntegerField(allow_null=True)
    buildings = serializers.IntegerField(allow_null=True)
    raising = serializers.ChoiceField(choices=PROJECT_RAISINGS, allow_blank=True)
    setting = serializers.ChoiceField(choices=PROJECT_SETTINGS, allow_blank=True)
    award_level = serializers.ChoiceField(
        choices=PROJECT_AWARD_LEVELS, allow_blank=True
    )
    planned_investment = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True
    )
    spent_investment = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True
    )
    funding_source = serializers.CharField()
    note = serializers.CharField()
    stage = serializers.CharField(help_text="当前阶段（空为未开始）")
    counted_on = serializers.DateField(allow_null=True, help_text="计入指标的日期")
    stages = StageOutSerializer(many=True, source="stages.all")
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ProjectQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PROJECT_KINDS, required=False)
    town = LedgerUnitFilterField(required=False, help_text="镇街或平台公司全称")
    # A query string's year is text: the plain field reads "2023".
    year = serializers.IntegerField(required=False, min_value=2023, max_value=2027)
    stage = serializers.ChoiceField(choices=PROJECT_STAGES, required=False)


def _visible(request: Request):
    return (
        visible_projects(request.user).select_related("town").prefetch_related("stages")
    )


def _saved(request: Request, project_id: int | None) -> Project:
    data = ProjectInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    stored = project_save(
        user=request.user,
        data=data.project_data(),
        project_id=project_id,
        expected_version=data.validated_data.get("version"),
        confirmed=data.validated_data["confirm"],
        reason="接口报送",
    )
    return _visible(request).get(pk=stored.pk)


class ProjectListApi(GenericAPIView):
    """GET the projects the caller may see; POST a new project."""

    parser_classes = [JSONParser]
    pagination_class = StrictLimitOffsetPagination
    serializer_class = ProjectOutSerializer

    @extend_schema(
        summary="查询项目台账（分页）",
        parameters=[ProjectQuerySerializer],
        responses={200: ProjectOutSerializer(many=True), **error_responses(400)},
        description="镇街、平台公司账号只看到本单位的项目；牵头部门看到所牵头指标的"
        "台账；领导和管理员看到全部。",
    )
    def get(self, request: Request) -> Response:
        query = read_query(ProjectQuerySerializer, request)
        projects = _visible(request)
        for name in ("kind", "town", "year", "stage"):
            if name in query:
                projects = projects.filter(**{name: query[name]})
        page = self.paginate_queryset(projects.order_by("kind", "pk"))
        return self.get_paginated_response(ProjectOutSerializer(page, many=True).data)

    @extend_schema(
        summary="登记项目",
        request=ProjectInSerializer,
        responses={201: ProjectOutSerializer, **WRITE_ERRORS},
        description="阶段按顺序完成，完成日期不早于上一阶段、不晚于今天；同一年度"
        "同名项目不能重复登记。已完成投资超过计划投资时返回400（code 为 "
        'needs_confirmation），确认后带 "confirm": true 重发。',
    )
    def post(self, request: Request) -> Response:
        return Response(
            ProjectOutSerializer(_saved(request, None)).data,
            status=status.HTTP_201_CREATED,
        )


PROJECT_ID = OpenApiParameter(
    "project_id", int, OpenApiParameter.PATH, description="项目编号"
)


class ProjectDetailApi(GenericAPIView):
    """GET one project; POST the whole project changed, with its version."""

    parser_classes = [JSONParser]
    serializer_class = ProjectOutSerializer

    @extend_schema(
        summary="查看一个项目",
        operation_id="project_retrieve",
        parameters=[PROJECT_ID],
        responses={200: ProjectOutSerializer, **error_responses(404)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = _visible(request).filter(pk=project_id).first()
        if project is None:
            raise NotFound("没有这个项目，或您无权查看。")
        return Response(ProjectOutSerializer(project).data)

    @extend_schema(
        summary="修改一个项目",
        parameters=[PROJECT_ID],
        request=ProjectInSerializer,
        responses={200: ProjectOutSerializer, **WRITE_ERRORS},
        operation_id="project_update",
        description="提交整个项目（含 version 和全部阶段）；他人单位的项目返回403，"
        "看不到的返回404。",
    )
    def post(self, request: Request, project_id: int) -> Response:
        if not _visible(request).filter(pk=project_id).exists():
            raise NotFound("没有这个项目，或您无权查看。")
        return Response(ProjectOutSerializer(_saved(request, project_id)).data)
