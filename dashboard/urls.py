from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/indicators.xlsx", views.home_export, name="export"),
    path("indicators/<int:code>/", views.detail, name="indicator"),
    path("help/status/", views.status_help, name="status_help"),
    path("plan/", views.plan, name="plan"),
    path("screen/", views.screen, name="screen"),
    path("plan/notes/<str:key>/", views.plan_note, name="plan_note"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("ranking/", views.ranking, name="ranking"),
    path("notices/", views.notice_latest, name="notice_latest"),
    path("notices/<str:period>/", views.notice, name="notice"),
]
