from django.contrib import admin

from hazards.models import HazardCase, HazardEvidence
from yuecheng_housing.lib.history_admin import ReadOnlyHistoryAdmin


# Cases are entered by the towns on /hazards/ (and the API, the import), through
# hazards.services; the admin only reads them and their history.
@admin.register(HazardCase)
class HazardCaseAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "pk", "town", "address", "kind", "hardship", "found_on", "grade", "remedied_on"
    ]  # fmt: skip
    list_filter = ["kind", "grade", "hardship", "town"]
    search_fields = ["address", "note"]
    list_select_related = ["town"]


@admin.register(HazardEvidence)
class HazardEvidenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["original_name", "case", "content_type", "size", "uploaded_at"]
    list_select_related = ["case__town"]
