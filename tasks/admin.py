from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from tasks.item_deadlines import normalise_label, parse_deadline
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


class ResponsibilityFormSet(BaseInlineFormSet):
    """The plan's rule is that the unit listed first leads (列第一位的为牵头单位):
    positions are 1, 2, 3 … with no gap, so there is always exactly one lead."""

    def clean(self) -> None:
        super().clean()
        positions = sorted(
            form.cleaned_data["position"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("position")
        )
        if positions and positions != list(range(1, len(positions) + 1)):
            raise ValidationError(
                "排位须从1起连续编号（1为牵头单位），不能重复或空缺。",
                code="positions",
            )


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    formset = ResponsibilityFormSet
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


class ChecklistItemForm(forms.ModelForm):
    """The deadline is read from the plan's phrase ("6月底前", "4月中旬"), never
    typed beside it: one rule for the date an item falls due."""

    class Meta:
        model = ChecklistItem
        fields = ["entry", "position", "text", "deadline_label"]

    def clean(self):
        cleaned = super().clean()
        entry = cleaned.get("entry") or getattr(self.instance, "entry", None)
        label = cleaned.get("deadline_label")
        if entry is not None and label:
            try:
                self.instance.deadline = parse_deadline(label, entry.work_list.year)
            except ValueError as e:
                self.add_error("deadline_label", str(e))
            cleaned["deadline_label"] = normalise_label(label)
        return cleaned


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    form = ChecklistItemForm
    fields = ["position", "text", "deadline_label", "deadline"]
    readonly_fields = ["deadline"]
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
    form = ChecklistItemForm
    readonly_fields = ["deadline"]
    list_display = ["text", "entry", "deadline_label", "deadline"]
    list_filter = ["entry__work_list", "deadline"]
    list_select_related = ["entry__work_list"]
    search_fields = ["text"]
