from django.urls import path

from assessment import views

app_name = "assessment"

urlpatterns = [
    path("assessment/", views.index, name="index"),
    path("assessment/<int:year>/", views.table, name="table"),
    path("assessment/<int:year>/scheme/", views.scheme, name="scheme"),
    path("assessment/<int:year>/publish/", views.publish, name="publish"),
    path("assessment/<int:year>/units/<int:unit_id>/", views.sheet, name="sheet"),
    path(
        "assessment/<int:year>/units/<int:unit_id>/objection/",
        views.objection,
        name="objection",
    ),
    path(
        "assessment/<int:year>/units/<int:unit_id>/correct/",
        views.correct,
        name="correct",
    ),
    path(
        "assessment/<int:year>/objections/<int:objection_id>/answer/",
        views.answer,
        name="answer",
    ),
]
