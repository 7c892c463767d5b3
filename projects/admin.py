from django.contrib import admin

from projects.models import LedgerYear, Project, ProjectFile, ProjectStage
from yuecheng_housing.lib.history_admin import ReadOnlyHistoryAdmin


# Projects are entered by the towns on /projects/ (and the API, the import),
# through projects.services; the admin only reads them and their history.
@admin.register(Project)
class ProjectAdmin(ReadOnlyHistoryAdmin):
    list_display = ["pk", "kind", "name", "town", "year", "quantity", "stage"]
    list_filter = ["kind", "year", "town"]
    search_fields = ["name", "note"]
    list_select_related = ["town"]


@admin.register(ProjectStage)
class ProjectStageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["project", "stage", "planned_on", "reached_on"]
    list_select_related = ["project__town"]


# Switched on and off on the ledger page, by projects.services.ledger_year_set.
@admin.register(LedgerYear)
class LedgerYearAdmin(ReadOnlyHistoryAdmin):
    list_display = ["indicator", "year", "drives", "updated_at"]
    list_select_related = ["indicator"]


# Uploaded on the project's page through projects.services.project_file_add.
@admin.register(ProjectFile)
class ProjectFileAdmin(ReadOnlyHistoryAdmin):
    list_display = ["project", "category", "original_name", "size", "uploaded_at"]
    list_filter = ["category"]
    list_select_related = ["project__town"]
