from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.ledger_index, name="index"),
    # Before the ledgers' own paths, which would take "files" for a ledger.
    path("projects/files/<int:file_id>/", views.project_file_download, name="file"),
    path("projects/<str:kind>/", views.project_list, name="list"),
    path("projects/<str:kind>/new/", views.project_create, name="create"),
    path("projects/<str:kind>/import/", views.ledger_import_view, name="import"),
    path("projects/<str:kind>/switch/", views.ledger_switch, name="switch"),
    path("projects/<str:kind>/<int:project_id>/", views.project_detail, name="detail"),
    path(
        "projects/<str:kind>/<int:project_id>/edit/",
        views.project_edit,
        name="edit",
    ),
    path(
        "projects/<str:kind>/<int:project_id>/files/",
        views.project_file_upload,
        name="upload",
    ),
    path(
        "projects/<str:kind>/<int:project_id>/advance/",
        views.project_advance,
        name="advance",
    ),
]
