from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import PLAN_YEARS, DistrictValue, Indicator
from indicators.selectors import indicator_list, indicator_progress
from indicators.serializers import (
    IndicatorSerializer,
    IndicatorWithProgressSerializer,
    SeriesPointSerializer,
)


def _year_param(request: Request) -> int | None:
    raw = request.query_params.get("year")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) not in PLAN_YEARS:
        raise ValidationError(
            {"year": f"年份“{raw[:20]}”不在方案期（2023—2027年）内。"}
        )
    return int(raw)


class IndicatorListApi(APIView):
    """The 14 plan indicators with their targets; `?year=` adds that year's progress."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="2023—2027")],
        responses=IndicatorWithProgressSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        year = _year_param(request)
        if year is None:
            return Response(IndicatorSerializer(indicator_list(), many=True).data)
        rows = indicator_progress(year=year)
        # The list carries all five targets: swap in indicators with them prefetched.
        full = {i.pk: i for i in indicator_list()}
        for row in rows:
            row.indicator = full[row.indicator.pk]
        return Response(IndicatorWithProgressSerializer(rows, many=True).data)


class IndicatorSeriesApi(APIView):
    """An indicator's approved monthly district values across the plan."""

    @extend_schema(responses=SeriesPointSerializer(many=True))
    def get(self, request: Request, code: int) -> Response:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise NotFound(f"没有序号为{code}的指标。")
        points = DistrictValue.objects.filter(
            indicator=indicator, value__isnull=False
        ).order_by("period")
        data = [
            {"period": p.period, "value": p.value, "unit": indicator.unit}
            for p in points
        ]
        return Response(SeriesPointSerializer(data, many=True).data)
