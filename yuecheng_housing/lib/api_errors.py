"""One shape for every error under /api/: `{"code", "detail", "errors"}`.

`code` is stable and meant for programs (invalid, not_authenticated, stale, …);
`detail` is the Chinese sentence for people; `errors` lists problems per field or
query parameter. The DRF exception handler below, the catch-all 404 for unknown
API paths and the project's 500 handler all answer with it, so a client never
parses an HTML page.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from yuecheng_housing.lib.db_busy import (
    BUSY_DETAIL,
    RETRY_AFTER_SECONDS,
    is_database_busy,
)
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation

logger = logging.getLogger("django.request")

SERVER_ERROR = "服务器处理请求时出错，已记录。请稍后再试，或联系区建设局管理员。"

# What each status means in this API: the schema's words for each error response.
STATUS_TEXT = {
    400: "请求有误：字段或查询参数不符合要求（errors 按字段列出），"
    "或数值看来异常需确认（code 为 needs_confirmation）。",
    401: "未登录或令牌无效：请在 Authorization 头中提供“Token <令牌>”。",
    403: "无权执行此操作（如为其他单位填报，或只读账号写入）。",
    404: "没有这项资源。",
    405: "不支持此请求方法。",
    409: "与已有数据冲突：数据已被他人修改（stale），或该月已报送、已审核锁定。",
    413: "请求体过大。",
    415: "请求体应为 application/json。",
    429: "请求过于频繁，请稍后再试（Retry-After 头给出秒数）。",
    500: SERVER_ERROR,
    503: "系统繁忙（数据库正被其他写入或备份占用），本次未保存："
    "请按 Retry-After 头给出的秒数后原样重试。",
}


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="稳定的错误代码，如 invalid、stale、not_found"
    )
    detail = serializers.CharField(help_text="中文说明")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="按字段或查询参数列出的问题",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an operation, all in the one shape."""
    return {
        status: OpenApiResponse(ApiErrorSerializer, description=STATUS_TEXT[status])
        for status in statuses
    }


def error_body(code: str, detail: str, errors: dict | None = None) -> dict:
    body = {"code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [messages]}; nested fields dotted."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    errors: dict[str, list[str]] = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            for inner, messages in _field_errors(value).items():
                errors[f"{field}.{inner}"] = messages
        else:
            errors[str(field)] = _messages(value)
    return errors


def _as_api_exception(exc: Exception) -> Exception:
    """Django's and the services' exceptions as the API's own."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, RequestDataTooBig):
        error = exceptions.APIException("请求体过大。")
        error.status_code = 413
        error.default_code = "too_large"
        return error
    if isinstance(exc, SuspiciousOperation | RecursionError):
        # A body nested thousands deep is not JSON this API reads.
        return exceptions.ParseError()
    return exc


def _detail_for(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        messages = _messages(exc.detail)
        return "请求有误：" + "；".join(messages[:3]) if messages else "请求有误。"
    if isinstance(exc, exceptions.ParseError):
        # DRF words a JSON error with Python's English message.
        return "请求体不是有效的 JSON。"
    text = " ".join(_messages(exc.detail))
    if text.startswith("CSRF Failed"):
        return (
            "CSRF 校验失败：会话登录的写请求须带 X-CSRFToken 头；机器客户端请用令牌。"
        )
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        return f"请求过于频繁，请{int(exc.wait) + 1}秒后再试。"
    return text


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler: every error from an API view in the one shape."""
    if isinstance(exc, Conflict):
        set_rollback()
        return Response(error_body(exc.code, exc.message), status=409)
    if is_database_busy(exc):
        set_rollback()
        logger.warning("Database busy: %s", exc)
        return Response(
            error_body("busy", BUSY_DETAIL),
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, NeedsConfirmation):
        set_rollback()
        body = error_body(exc.code, exc.message, {"confirm": list(exc.warnings)})
        return Response(body, status=400)
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.error(
            "Internal Server Error: %s",
            getattr(request, "path", "?"),
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        # The test client and error reporters listen for this, as for Django's 500.
        got_request_exception.send(sender=None, request=request)
        set_rollback()
        return Response(error_body("server_error", SERVER_ERROR), status=500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + 1)
    code = exc.default_code
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        errors = _field_errors(exc.detail)
    set_rollback()
    return Response(
        error_body(code, _detail_for(exc), errors),
        status=exc.status_code,
        headers=headers,
    )


def api_error_response(status: int, code: str, detail: str) -> JsonResponse:
    """The one error shape, from outside DRF (Django's own 400, 403, 404, 500)."""
    body = error_body(code, detail)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# Unknown paths are not forms: a POST to one is a 404 too, not a CSRF refusal.
@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no resource, in the API's shape."""
    return api_error_response(404, "not_found", f"没有这项资源：{request.path[:200]}")


def api_busy_response() -> JsonResponse:
    """The database was busy (a lock wait ran out): retry unchanged after a pause."""
    response = api_error_response(503, "busy", BUSY_DETAIL)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def api_server_error(request: HttpRequest) -> JsonResponse:
    return api_error_response(500, "server_error", SERVER_ERROR)
