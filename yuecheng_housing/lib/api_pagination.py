"""Paging for API lists that grow with the province: limit/offset, read strictly."""

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination

from yuecheng_housing.lib.api_fields import QueryIntegerField, read_query

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000


class PageQuerySerializer(serializers.Serializer):
    """The page parameters of every paged list; a list whose query serializer
    documents its own filters inherits them from here."""

    limit = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"每页条数（1—{MAX_LIMIT}，默认{DEFAULT_LIMIT}）",
    )
    offset = QueryIntegerField(
        required=False,
        min_value=0,
        max_value=10**9 - 1,
        help_text="从第几条开始（0起）",
    )


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset, except that `?limit=abc` is a 400, not the default page."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request) -> int:
        return read_query(PageQuerySerializer, request).get("limit", self.default_limit)

    def get_offset(self, request) -> int:
        return read_query(PageQuerySerializer, request).get("offset", 0)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": f"每页条数（1—{MAX_LIMIT}，默认{DEFAULT_LIMIT}）",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": "offset",
                "required": False,
                "in": "query",
                "description": "从第几条开始（0起）",
                "schema": {"type": "integer", "minimum": 0, "maximum": 10**9 - 1},
            },
        ]
