from rest_framework import generics

from indicators.selectors import indicator_list
from indicators.serializers import IndicatorSerializer


class IndicatorListApi(generics.ListAPIView):
    """The 14 plan indicators with their targets for 2023–2027."""

    serializer_class = IndicatorSerializer

    def get_queryset(self):
        return indicator_list()
