from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from units.selectors import unit_list
from units.serializers import UnitSerializer


@extend_schema_view(get=extend_schema(summary="责任单位名册（单位组 kind 为 group）"))
class UnitListApi(generics.ListAPIView):
    """Responsible units in roster order; groups have kind "group"."""

    serializer_class = UnitSerializer

    def get_queryset(self):
        return unit_list()
