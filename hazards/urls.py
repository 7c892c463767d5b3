from django.urls import path

from hazards import views

app_name = "hazards"

urlpatterns = [
    path("hazards/", views.case_list, name="index"),
    path("hazards/new/", views.case_create, name="create"),
    path("hazards/import/", views.case_import, name="import"),
    path("hazards/<int:case_id>/", views.case_detail, name="detail"),
    path("hazards/<int:case_id>/edit/", views.case_edit, name="edit"),
    path("hazards/<int:case_id>/review/", views.case_review, name="review"),
    path(
        "hazards/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
]
