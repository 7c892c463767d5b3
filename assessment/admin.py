"""Read only: every write goes through assessment.services from the pages, so
that a published result changes only by a recorded correction."""

from django.contrib import admin

from assessment.models import (
    Adjustment,
    AssessmentResult,
    Correction,
    Objection,
    Scheme,
)
from yuecheng_housing.lib.history_admin import ReadOnlyHistoryAdmin as ReadOnlyAdmin


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ["year", "list_kind", "weights", "updated_by", "updated_at"]
    list_filter = ["year", "list_kind"]
    list_select_related = ["updated_by"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["year", "unit", "kind", "category", "points", "evidence"]
    list_filter = ["year", "kind", "category"]
    list_select_related = ["unit"]
    search_fields = ["unit__name", "reason", "evidence"]


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ReadOnlyAdmin):
    list_display = ["year", "as_of", "published_on", "objection_days", "published_by"]
    list_select_related = ["published_by"]
    exclude = ["snapshot"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["result", "unit", "filed_at", "answered_at"]
    list_filter = ["result"]
    list_select_related = ["result", "unit"]
    search_fields = ["unit__name", "text", "answer"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["result", "unit", "field", "before", "after", "made_by"]
    list_filter = ["result"]
    list_select_related = ["result", "unit", "made_by"]
    search_fields = ["unit__name", "reason"]
