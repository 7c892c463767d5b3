"""Serializer fields for the API's contract: each accepts exactly what the schema says.

DRF's own fields are lenient in ways the published schema is not: CharField takes
5 for "5", IntegerField takes "5" and 5.0, BooleanField takes "yes" and 1. A client
that sends what the schema forbids must get a 400, or the schema lies; so these
fields accept only the JSON type they document.

Numbers are JSON numbers both ways (30, not "30.0000"); months are "YYYY-MM".
"""

import math
import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yuecheng_housing.lib.periods import PLAN_YEARS, format_period, parse_period

# "2023-01" … "2027-12": the plan's months, as the schema states them.
PERIOD_PATTERN = r"^20(2[3-7])-(0[1-9]|1[0-2])$"


def _is_number(data: object) -> bool:
    return isinstance(data, int | float) and not isinstance(data, bool)


@extend_schema_field({"type": "number"})
class PlanNumberField(serializers.Field):
    """A Decimal as a plain JSON number: 30, not "30.0000" or 30.0.

    As input it takes a JSON number only; text such as "1.4475万" is for people
    (the form and the Excel import read it), not for machine clients.
    """

    default_error_messages = {"invalid": "不是数字：应为 JSON 数值，如 85 或 1.4475。"}

    def to_representation(self, value: Decimal) -> int | float | None:
        if value is None:
            return None
        value = value.normalize()
        if value == value.to_integral_value():
            return int(value)
        return float(value)

    def to_internal_value(self, data: object) -> Decimal:
        try:
            finite = _is_number(data) and math.isfinite(data)
        except OverflowError:  # an integer of hundreds of digits
            finite = False
        if not finite:
            self.fail("invalid")
        # repr() of a float is the shortest text that reads back to it: 27.28, not
        # 27.2799999….
        return Decimal(repr(data) if isinstance(data, float) else data)


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "应为文字（JSON 字符串）。"}

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "应为整数（JSON 整数）。"}

    def to_internal_value(self, data: object) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "应为 true 或 false。"}

    def to_internal_value(self, data: object) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


@extend_schema_field(
    {"type": "string", "pattern": PERIOD_PATTERN, "example": "2023-06"}
)
class PeriodField(serializers.CharField):
    """A plan month, exactly "YYYY-MM" between 2023-01 and 2027-12."""

    default_error_messages = {
        "invalid": "月份应写作“YYYY-MM”，如 2023-06。",
        "out_of_plan": "月份“{value}”不在方案期（2023—2027年）内。",
    }

    def to_internal_value(self, data: object):
        if not isinstance(data, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", data):
            self.fail("invalid")
        try:
            period = parse_period(data)
        except ValueError as e:
            raise serializers.ValidationError(str(e)) from None
        if period.year not in PLAN_YEARS:
            self.fail("out_of_plan", value=data)
        return period

    def to_representation(self, value) -> str:
        return format_period(value)


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$"})
class MonthField(serializers.Field):
    """Any month as "YYYY-MM", for answers that may reach outside the plan."""

    def to_representation(self, value) -> str:
        return format_period(value)


@extend_schema_field(
    {"type": "integer", "minimum": min(PLAN_YEARS), "maximum": max(PLAN_YEARS)}
)
class PlanYearField(serializers.Field):
    """A plan year in a query string: "2023" … "2027", ASCII digits only."""

    default_error_messages = {"invalid": "年份“{value}”不在方案期（2023—2027年）内。"}

    def to_internal_value(self, data: object) -> int:
        text = str(data)
        if not re.fullmatch(r"[0-9]{4}", text) or int(text) not in PLAN_YEARS:
            self.fail("invalid", value=text[:20])
        return int(text)

    def to_representation(self, value: int) -> int:
        return value


class QueryIntegerField(serializers.IntegerField):
    """An integer in a query string: ASCII digits only ("²" and "５" are refused)."""

    default_error_messages = {"invalid": "应为整数。"}

    def to_internal_value(self, data: object) -> int:
        if not re.fullmatch(r"-?[0-9]{1,9}", str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def read_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """Validate a request's query string with `serializer_class`; a bad value is a
    400 naming the parameter, never silently ignored."""
    # A plain dict, not the QueryDict: DRF reads "?unit=" from a QueryDict as
    # "not given", which would silently list everything. A parameter given twice
    # is refused rather than read as its last value, which the client may not mean.
    repeated = {
        name: ["只能给一次。"]
        for name, values in request.query_params.lists()
        if len(values) > 1
    }
    if repeated:
        raise serializers.ValidationError(repeated)
    params = {name: request.query_params[name] for name in request.query_params}
    query = serializer_class(data=params)
    query.is_valid(raise_exception=True)
    return query.validated_data


@extend_schema_field({"type": "string", "format": "date", "example": "2023-06-20"})
class StrictDateField(serializers.DateField):
    """A date written exactly "YYYY-MM-DD", as the schema's format says."""

    default_error_messages = {"invalid": "日期应写作“YYYY-MM-DD”，如 2023-06-20。"}

    def to_internal_value(self, data: object):
        if not isinstance(data, str) or not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}", data
        ):
            self.fail("invalid")
        return super().to_internal_value(data)
