"""Error pages that say what went wrong, in Chinese."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.views import defaults

from yuecheng_housing.lib.api_errors import api_server_error


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponseBadRequest:
    """The 400 page, with the reason when a view gave one (a bad month or id)."""
    message = str(exception) if type(exception) is BadRequest else ""
    body = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(body)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; under /api/ the API's JSON error instead of HTML."""
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)
