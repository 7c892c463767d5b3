"""Error pages that say what went wrong, in Chinese."""

import logging
import sys
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.views import csrf, defaults

from yuecheng_housing.lib.api_errors import (
    api_busy_response,
    api_error_response,
    api_server_error,
)
from yuecheng_housing.lib.db_busy import RETRY_AFTER_SECONDS, is_database_busy

logger = logging.getLogger("django.request")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, with the reason when a view gave one (a bad month or id)."""
    if request.path.startswith("/api/"):
        return api_error_response(400, "bad_request", "请求有误，无法处理。")
    message = str(exception) if type(exception) is BadRequest else ""
    body = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(body)


def busy(request: HttpRequest) -> HttpResponse:
    """The 503 "系统繁忙，请稍后重试" answer: a lock wait ran out, nothing was saved.

    503 with Retry-After rather than 409: the request itself was fine and will
    succeed unchanged; 409 already tells this API's clients that the stored data
    changed under them (stale, locked month), which they answer by re-reading.
    """
    if request.path.startswith("/api/"):
        return api_busy_response()
    # No base.html: its menus read the database, which is what is busy.
    body = loader.render_to_string("503.html", request=request)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class BusyDatabaseMiddleware:
    """Answer a view's lock timeout or serialization failure with `busy`, not 500.

    The write that failed was rolled back with its transaction (every service is
    atomic and on SQLite the lock is taken when the transaction begins), so
    nothing of it was stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        logger.warning("Database busy: %s: %s", request.path, exception)
        return busy(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; under /api/ the API's JSON error instead of HTML."""
    # A lock timeout outside any view (a middleware saving the session) gets here.
    if is_database_busy(sys.exc_info()[1] or Exception()):
        return busy(request)
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
