from django.contrib import admin

from documents.models import IssuedNotice, NoticeLetterhead
from yuecheng_housing.lib.history_admin import HistoryAdmin


@admin.register(NoticeLetterhead)
class NoticeLetterheadAdmin(HistoryAdmin):
    list_display = ["__str__", "masthead", "recipients", "issuer"]

    def has_add_permission(self, request) -> bool:
        return not NoticeLetterhead.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IssuedNotice)
class IssuedNoticeAdmin(HistoryAdmin):
    """Read only: a notice is issued, corrected or withdrawn from its page
    (dashboard.services), and an issued one never changes."""

    list_display = ["label", "kind", "period", "issued_on", "issued_by", "replaces"]
    list_filter = ["kind", "year"]
    list_select_related = ["issued_by", "replaces"]
    search_fields = ["foreword", "instruction", "reason"]

    @admin.display(description="期号", ordering="number")
    def label(self, obj: IssuedNotice) -> str:
        return obj.label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
