from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from indicators.admin import IndicatorAdmin
from indicators.models import Indicator
from reporting.district import ApprovedFiguresChanged, district_values_follow_roster
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from tasks.admin import KeyTaskAdmin
from tasks.models import KeyTask
from units.admin import UnitAdmin
from units.models import Unit
from units.selectors import person_name
from yuecheng_housing.lib.history_admin import ReadOnlyHistoryAdmin


@admin.display(description="填报人", ordering="updated_by__first_name")
def updated_by_name(obj) -> str:
    return person_name(obj.updated_by)


@admin.display(description="审核人", ordering="reviewed_by__first_name")
def reviewed_by_name(obj) -> str:
    return person_name(obj.reviewed_by)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "indicator",
        "report",
        "value",
        "needs_review",
        updated_by_name,
        "updated_at",
    ]
    list_filter = ["indicator", "report__status", "needs_review"]
    list_select_related = ["indicator", "report__unit", "updated_by"]
    search_fields = ["report__unit__name", "indicator__name"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyHistoryAdmin):
    """Read only: approve, return and reopen on the review page (one path each)."""

    list_display = ["unit", "period", "status", "submitted_at", reviewed_by_name]
    list_filter = ["status", "period", "unit"]
    list_select_related = ["unit", "reviewed_by"]


@admin.register(ItemProgress)
class ItemProgressAdmin(ReadOnlyHistoryAdmin):
    """Read only: progress is written on the entry page and through the API."""

    list_display = ["item", "report", "status", "completed_on", updated_by_name]
    list_filter = ["status", "report__period"]
    list_select_related = ["item", "report__unit", "updated_by"]


class FollowsRoster:
    """Admin pages that change who reports what (a group's members, a unit's
    `is_active`, a key task's responsibilities, an indicator's aggregation) save
    inside `district_values_follow_roster`, so that the district figures those
    changes affect are rebuilt in the same transaction."""

    def changeform_view(self, request, *args, **kwargs):
        return self._following(request, super().changeform_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        # Bulk actions (delete selected) run here.
        return self._following(request, super().changelist_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._following(request, super().delete_view, *args, **kwargs)

    def _following(self, request, view, *args, **kwargs):
        # The view's "saved" messages wait until the change is known to stand.
        request.roster_messages = []
        try:
            with district_values_follow_roster():
                response = view(request, *args, **kwargs)
        except ApprovedFiguresChanged as e:
            # Rolled back: the page opens again as it was, saying why.
            messages.error(request, e.messages[0])
            return HttpResponseRedirect(request.get_full_path())
        finally:
            waiting, request.roster_messages = request.roster_messages, None
        for args, kwargs in waiting:
            super().message_user(request, *args, **kwargs)
        return response

    def message_user(self, request, *args, **kwargs) -> None:
        if getattr(request, "roster_messages", None) is None:
            return super().message_user(request, *args, **kwargs)
        request.roster_messages.append((args, kwargs))
        return None


class RosterUnitAdmin(FollowsRoster, UnitAdmin):
    pass


class RosterKeyTaskAdmin(FollowsRoster, KeyTaskAdmin):
    pass


class RosterIndicatorAdmin(FollowsRoster, IndicatorAdmin):
    pass


# Registered by their own apps, which sit below reporting; re-registered here
# with the rebuild of the district figures around every save.
for model, model_admin in (
    (Unit, RosterUnitAdmin),
    (KeyTask, RosterKeyTaskAdmin),
    (Indicator, RosterIndicatorAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
