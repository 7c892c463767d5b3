from rest_framework import serializers

from indicators.models import Indicator, Target
from yuecheng_housing.lib.api_fields import PlanNumberField


class TargetSerializer(serializers.ModelSerializer):
    value = PlanNumberField()

    class Meta:
        model = Target
        fields = ["year", "comparator", "value"]


class IndicatorSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.name")
    targets = TargetSerializer(many=True)

    class Meta:
        model = Indicator
        fields = ["code", "name", "unit", "domain", "kind", "targets"]
