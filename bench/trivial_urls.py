"""The project's URLs plus a trivial view, the yardstick of bench/dashboard.py."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from yuecheng_housing.urls import urlpatterns as project_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), *project_urlpatterns]
