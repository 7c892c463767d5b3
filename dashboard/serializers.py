from rest_framework import serializers

from indicators.serializers import IndicatorSerializer
from yuecheng_housing.lib.api_fields import PlanNumberField
from yuecheng_housing.lib.periods import format_period


class PeriodField(serializers.Field):
    def to_representation(self, value) -> str:
        return format_period(value)


class ProgressSerializer(serializers.Serializer):
    period = PeriodField(allow_null=True)
    value = PlanNumberField(allow_null=True)
    expected = PlanNumberField(allow_null=True)
    completion = serializers.SerializerMethodField()
    status = serializers.CharField()

    def get_completion(self, progress) -> float | None:
        if progress.completion is None:
            return None
        return round(float(progress.completion), 4)


class IndicatorWithProgressSerializer(serializers.Serializer):
    """An IndicatorRow: the indicator's fields plus `progress` in the year asked."""

    def to_representation(self, row) -> dict:
        data = IndicatorSerializer(row.indicator).data
        data["progress"] = ProgressSerializer(row.progress).data
        return data


class SeriesPointSerializer(serializers.Serializer):
    period = PeriodField()
    value = PlanNumberField()
    unit = serializers.CharField()
