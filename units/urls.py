from django.urls import path

from units import views

app_name = "units"

urlpatterns = [
    path("units/", views.unit_list, name="list"),
    path("units/<int:unit_id>/", views.unit_detail, name="detail"),
    path("ranking/", views.ranking, name="ranking"),
    path("imports/", views.imports, name="imports"),
    path("imports/export/", views.returns_export_view, name="export"),
    path("imports/work-list/", views.work_list_upload, name="work_list_upload"),
    path("imports/<int:import_id>/file/", views.import_file, name="import_file"),
    path("report/template/", views.return_template_download, name="template"),
    path("notices/<str:period>/", views.notice, name="notice"),
    path("report/", views.report_entry, name="report"),
    path("report/history/", views.report_history, name="report_history"),
    path("review/", views.review, name="review"),
    path("review/<int:report_id>/decide/", views.review_decide, name="review_decide"),
    path(
        "review/<int:report_id>/reopen/", views.report_reopen_view, name="report_reopen"
    ),
]
