"""The OpenAPI schema's generator: what every operation shares, stated once."""

from drf_spectacular.openapi import AutoSchema

from yuecheng_housing.lib.api_errors import STATUS_TEXT, ApiErrorSerializer

# Any operation can be asked without (or with a bad) token, too often, or with
# a method it does not have.
COMMON_ERRORS = (401, 405, 429)

# A request line longer than the web server takes (gunicorn 4 094 bytes, nginx
# 8 KB) is refused by that server before the application sees it: the answer is
# its own short HTML page, so the schema states the status and no body.
URI_TOO_LONG = {
    "description": "请求地址过长（查询参数过多或过长），由 Web 服务器直接拒绝。"
}


# Operations grouped under Chinese headings, by the path's first segment.
TAGS = {
    "indicators": "指标",
    "units": "单位",
    "key-tasks": "重点任务",
    "work-lists": "工作清单",
    "ranking": "晾晒排名",
    "notices": "通报",
    "progress": "月度报送",
    "task-progress": "月度报送",
    "hazards": "危房台账",
}


class ApiSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return [TAGS.get(tag, tag) for tag in super().get_tags()]

    def get_description(self) -> str:
        # Docstrings are written for developers here, in English; what the schema
        # says to clients is set explicitly, in Chinese, with extend_schema.
        return ""

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status in COMMON_ERRORS:
            if str(status) not in responses:
                response = self._get_response_for_code(
                    ApiErrorSerializer, str(status), direction=direction
                )
                response["description"] = STATUS_TEXT[status]
                responses[str(status)] = response
        if direction == "response":
            responses.setdefault("414", URI_TOO_LONG)
        return responses
