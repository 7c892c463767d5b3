from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks.selectors import key_task_list, work_list_for_year
from tasks.serializers import KeyTaskSerializer, WorkListSerializer
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.periods import PLAN_YEARS


@extend_schema_view(get=extend_schema(summary="重点任务及其牵头、配合单位"))
class KeyTaskListApi(generics.ListAPIView):
    """The 11 key tasks; `units` in the plan's order, the first being the lead unit."""

    serializer_class = KeyTaskSerializer

    def get_queryset(self):
        return key_task_list()


class WorkListApi(APIView):
    """A year's work list with its entries and checklist items; 404 for a year
    that has none yet."""

    @extend_schema(
        summary="年度工作清单：条目与事项、完成期限",
        parameters=[
            OpenApiParameter(
                "year",
                {
                    "type": "integer",
                    "minimum": min(PLAN_YEARS),
                    "maximum": max(PLAN_YEARS),
                },
                OpenApiParameter.PATH,
                description="方案年度（2023—2027）",
            )
        ],
        responses={200: WorkListSerializer, **error_responses(404)},
    )
    def get(self, request: Request, year: int) -> Response:
        work_list = work_list_for_year(year=year)
        if work_list is None:
            raise NotFound(f"没有{year}年的工作清单。")
        return Response(WorkListSerializer(work_list).data)
