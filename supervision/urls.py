from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.item_list, name="index"),
    path("supervision/new/", views.item_create, name="create"),
    path("supervision/<int:item_id>/", views.item_detail, name="detail"),
    path(
        "supervision/<int:item_id>/<slug:action>/",
        views.item_action,
        name="action",
    ),
    path(
        "supervision/evidence/<int:evidence_id>/",
        views.evidence_download,
        name="evidence",
    ),
]
