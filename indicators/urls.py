from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/indicators.xlsx", views.home_export, name="export"),
    path("indicators/<int:code>/", views.detail, name="detail"),
    path("help/status/", views.status_help, name="status_help"),
]
