from django.contrib import admin

from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from yuecheng_housing.lib.history_admin import ReadOnlyHistoryAdmin


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "indicator",
        "report",
        "value",
        "needs_review",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["indicator", "report__status", "needs_review"]
    list_select_related = ["indicator", "report__unit", "updated_by"]
    search_fields = ["report__unit__name", "indicator__name"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyHistoryAdmin):
    """Read only: approve, return and reopen on the review page (one path each)."""

    list_display = ["unit", "period", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status", "period", "unit"]
    list_select_related = ["unit", "reviewed_by"]


@admin.register(ItemProgress)
class ItemProgressAdmin(ReadOnlyHistoryAdmin):
    """Read only: progress is written on the entry page and through the API."""

    list_display = ["item", "report", "status", "completed_on", "updated_by"]
    list_filter = ["status", "report__period"]
    list_select_related = ["item", "report__unit", "updated_by"]
