from rest_framework import generics

from units.selectors import unit_list
from units.serializers import UnitSerializer


class UnitListApi(generics.ListAPIView):
    """Responsible units in roster order; groups have kind "group"."""

    serializer_class = UnitSerializer

    def get_queryset(self):
        return unit_list()
