"""Error pages that say what went wrong, in Chinese."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.views import csrf, defaults

from yuecheng_housing.lib.api_errors import api_error_response, api_server_error


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, with the reason when a view gave one (a bad month or id)."""
    if request.path.startswith("/api/"):
        return api_error_response(400, "bad_request", "请求有误，无法处理。")
    message = str(exception) if type(exception) is BadRequest else ""
    body = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(body)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; under /api/ the API's JSON error instead of HTML."""
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token; under /api/ the API's JSON error."""
    if request.path.startswith("/api/"):
        return api_error_response(
            403,
            "csrf_failed",
            "CSRF 校验失败：会话登录的写请求须带 X-CSRFToken 头；机器客户端请用令牌。",
        )
    return csrf.csrf_failure(request, reason=reason)
