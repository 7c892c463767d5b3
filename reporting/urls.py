from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("report/", views.report_entry, name="report"),
    path("report/history/", views.report_history, name="report_history"),
    path("report/template/", views.return_template_download, name="template"),
    path(
        "report/<int:report_id>/withdraw/",
        views.report_withdraw_view,
        name="report_withdraw",
    ),
    path("review/", views.review, name="review"),
    path("review/<int:report_id>/decide/", views.review_decide, name="review_decide"),
    path(
        "review/<int:report_id>/reopen/", views.report_reopen_view, name="report_reopen"
    ),
    path("imports/", views.imports, name="imports"),
    path("imports/export/", views.returns_export_view, name="export"),
    path("imports/batch/<uuid:batch>/", views.import_batch, name="import_batch"),
    path(
        "imports/batch/<uuid:batch>/progress/",
        views.import_batch_progress,
        name="import_batch_progress",
    ),
    path("imports/work-list/", views.work_list_upload, name="work_list_upload"),
    path("imports/<int:import_id>/file/", views.import_file, name="import_file"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
