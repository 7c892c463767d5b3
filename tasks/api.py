from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks.selectors import key_task_list, work_list_for_year
from tasks.serializers import KeyTaskSerializer, WorkListSerializer


class KeyTaskListApi(generics.ListAPIView):
    """The 11 key tasks; `units` in the plan's order, the first being the lead unit."""

    serializer_class = KeyTaskSerializer

    def get_queryset(self):
        return key_task_list()


class WorkListApi(APIView):
    """A year's work list with its entries and checklist items."""

    @extend_schema(responses=WorkListSerializer)
    def get(self, request: Request, year: int) -> Response:
        work_list = work_list_for_year(year=year)
        if work_list is None:
            raise NotFound(f"没有{year}年的工作清单。")
        return Response(WorkListSerializer(work_list).data)
