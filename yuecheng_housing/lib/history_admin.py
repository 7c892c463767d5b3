"""Admin bases whose history pages only show the past, never rewrite it.

django-simple-history's history form (`…/history/<id>/`) saves whatever is
POSTed to it, even with its revert button hidden: a way round the services'
validation, locks and audit. Every admin of the project uses these bases, so a
revert is refused wherever it is tried; a change goes through the same admin
form (and its service) as any other.
"""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """Lists every version and shows each one; refuses to save an old version."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看，不能恢复；请在编辑页修改。")
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    def revert_disabled(self, request, obj=None) -> bool:
        return True


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Reported data is written only through the entry page, the API and imports,
    so that validation, locks and the audit always apply; the admin only reads."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
