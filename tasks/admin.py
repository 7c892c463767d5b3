from django.contrib import admin

from tasks.models import (
    ChecklistItem,
    KeyTask,
    Responsibility,
    Section,
    WorkList,
    WorkListEntry,
)
from yuecheng_housing.lib.history_admin import HistoryAdmin


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    fields = ["position", "unit"]
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(KeyTask)
class KeyTaskAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "section"]
    list_filter = ["section"]
    search_fields = ["title", "text"]
    list_select_related = ["section"]
    inlines = [ResponsibilityInline]


class WorkListEntryInline(admin.TabularInline):
    model = WorkListEntry
    fields = ["seq", "name", "unit_of_measure", "target", "indicator", "key_task"]
    extra = 0
    show_change_link = True


@admin.register(WorkList)
class WorkListAdmin(HistoryAdmin):
    list_display = ["year", "title"]
    inlines = [WorkListEntryInline]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["position", "text", "deadline_label", "deadline"]
    extra = 1


@admin.register(WorkListEntry)
class WorkListEntryAdmin(HistoryAdmin):
    list_display = [
        "work_list",
        "seq",
        "name",
        "target",
        "unit_of_measure",
        "indicator",
    ]
    list_filter = ["work_list"]
    list_select_related = ["work_list", "indicator"]
    search_fields = ["name"]
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(HistoryAdmin):
    list_display = ["text", "entry", "deadline_label", "deadline"]
    list_filter = ["entry__work_list", "deadline"]
    list_select_related = ["entry__work_list"]
    search_fields = ["text"]
