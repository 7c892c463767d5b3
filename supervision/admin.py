from django.contrib import admin
from django.core.exceptions import ValidationError

from supervision.models import (
    SupervisionEvent,
    SupervisionEvidence,
    SupervisionItem,
    SupervisionSettings,
)
from supervision.services import settings_save
from yuecheng_housing.lib.history_admin import HistoryAdmin, ReadOnlyHistoryAdmin


# Items are assigned and moved through their life on /supervision/ (and the API),
# through supervision.services; the admin only reads them and their history.
@admin.register(SupervisionItem)
class SupervisionItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ["pk", "title", "source", "state", "assigned_on", "deadline"]
    list_filter = ["state", "source"]
    search_fields = ["title", "text"]


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(admin.ModelAdmin):
    list_display = ["item", "kind", "at", "actor", "unit", "automatic", "mailed_on"]
    list_filter = ["kind", "automatic"]
    list_select_related = ["item", "actor", "unit"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupervisionEvidence)
class SupervisionEvidenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["original_name", "item", "content_type", "size", "uploaded_at"]
    list_select_related = ["item"]


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(HistoryAdmin):
    """One row; saved through supervision.services.settings_save."""

    fields = ["due_soon_days", "ranking_weight"]

    def has_add_permission(self, request) -> bool:
        return not SupervisionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            settings_save(
                user=request.user,
                due_soon_days=obj.due_soon_days,
                ranking_weight=obj.ranking_weight,
                reason="管理后台修改",
            )
        except ValidationError as e:
            raise ValidationError(e.messages) from e
