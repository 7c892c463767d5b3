from decimal import Decimal

from rest_framework import serializers


class PlanNumberField(serializers.Field):
    """A Decimal shown as a plain JSON number: 30, not "30.0000" or 30.0."""

    def to_representation(self, value: Decimal) -> int | float | None:
        if value is None:
            return None
        value = value.normalize()
        if value == value.to_integral_value():
            return int(value)
        return float(value)
