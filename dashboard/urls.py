from django.urls import path

from dashboard import notice_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/indicators.xlsx", views.home_export, name="export"),
    path("indicators/<int:code>/", views.detail, name="indicator"),
    path("help/status/", views.status_help, name="status_help"),
    path("plan/", views.plan, name="plan"),
    path(
        "plan/inconsistencies/",
        views.plan_inconsistencies_view,
        name="plan_inconsistencies",
    ),
    path("screen/", views.screen, name="screen"),
    path("plan/notes/<str:key>/", views.plan_note, name="plan_note"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("ranking/", views.ranking, name="ranking"),
    path("notices/", views.notice_latest, name="notice_latest"),
    path("notices/<str:period>/", views.notice, name="notice"),
    path(
        "notices/<str:period>/issue/",
        notice_views.notice_issue_view,
        name="notice_issue",
    ),
    path("issued-notices/", notice_views.issued_notices, name="issued_notices"),
    path(
        "issued-notices/<int:pk>/",
        notice_views.issued_notice,
        name="issued_notice",
    ),
    path(
        "issued-notices/<int:pk>/notice.docx",
        notice_views.issued_notice_docx,
        name="issued_notice_docx",
    ),
    path(
        "issued-notices/<int:pk>/notice.pdf",
        notice_views.issued_notice_pdf,
        name="issued_notice_pdf",
    ),
    path(
        "issued-notices/<int:pk>/replace/",
        notice_views.issued_notice_replace,
        name="issued_notice_replace",
    ),
]
