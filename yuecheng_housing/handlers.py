"""Error pages that say what went wrong, in Chinese."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBadRequest
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponseBadRequest:
    """The 400 page, with the reason when a view gave one (a bad month or id)."""
    message = str(exception) if type(exception) is BadRequest else ""
    body = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(body)
