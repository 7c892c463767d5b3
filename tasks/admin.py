from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
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
from tasks.services import (
    MIN_REASON_LENGTH,
    check_item_units,
    item_close,
    item_reopen,
    item_units_set,
    task_units_allowed,
)
from units.models import Unit
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


class ChecklistItemAdminForm(ChecklistItemForm):
    """An item's own units and its 销号, each written through tasks.services so
    that the import, the admin and the tests apply one rule and one audit."""

    lead_unit = forms.ModelChoiceField(
        label="事项牵头单位",
        queryset=Unit.objects.exclude(kind=Unit.Kind.GROUP),
        required=False,
        help_text="留空则由所属重点任务的全部责任单位承担（列第一位的牵头）。",
    )
    co_units = forms.ModelMultipleChoiceField(
        label="事项配合单位",
        queryset=Unit.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("事项配合单位", is_stacked=False),
        help_text="只能在所属重点任务的责任单位（含其所列单位组的成员）中选择。",
    )
    units_reason = forms.CharField(
        label="调整责任单位的原因", max_length=200, required=False
    )
    closing_reason = forms.CharField(
        label="销号理由 / 撤销销号理由",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="未销号的事项：填写即销号（当日起不再计为逾期）；"
        "已销号的事项：填写即撤销销号。",
    )

    class Meta(ChecklistItemForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Only the units the item's key task names can be chosen.
            allowed = list(task_units_allowed(self.instance.entry.key_task_id))
            self.fields["lead_unit"].queryset = Unit.objects.filter(
                pk__in=allowed
            ).exclude(kind=Unit.Kind.GROUP)
            self.fields["co_units"].queryset = Unit.objects.filter(pk__in=allowed)
            named = list(self.instance.responsibilities.order_by("position"))
            if named:
                self.initial["lead_unit"] = named[0].unit_id
                self.initial["co_units"] = [r.unit_id for r in named[1:]]

    def clean(self):
        cleaned = super().clean()
        lead, co = cleaned.get("lead_unit"), list(cleaned.get("co_units") or [])
        entry = cleaned.get("entry") or getattr(self.instance, "entry", None)
        if co and lead is None:
            self.add_error("lead_unit", "指定配合单位时须同时指定牵头单位。")
        elif lead is not None and entry is not None:
            try:
                check_item_units(key_task_id=entry.key_task_id, lead=lead, co_units=co)
            except ValidationError as e:
                self.add_error("co_units", e)
        reason = (cleaned.get("closing_reason") or "").strip()
        if reason and len(reason) < MIN_REASON_LENGTH:
            self.add_error(
                "closing_reason", f"理由至少{MIN_REASON_LENGTH}个字，写明为何销号。"
            )
        return cleaned


@admin.register(ChecklistItem)
class ChecklistItemAdmin(HistoryAdmin):
    form = ChecklistItemAdminForm
    readonly_fields = ["deadline", "closed_on", "closed_reason", "closed_by"]
    fieldsets = [
        (None, {"fields": ["entry", "position", "text", "deadline_label", "deadline"]}),
        ("责任单位", {"fields": ["lead_unit", "co_units", "units_reason"]}),
        (
            "销号",
            {"fields": ["closed_on", "closed_reason", "closed_by", "closing_reason"]},
        ),
    ]
    list_display = [
        "text",
        "entry",
        "deadline_label",
        "deadline",
        "units_shown",
        "closed_on",
    ]
    list_filter = [
        "entry__work_list",
        "deadline",
        ("closed_on", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["entry__work_list"]
    search_fields = ["text"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsibilities__unit")

    @admin.display(description="事项责任单位")
    def units_shown(self, obj: ChecklistItem) -> str:
        named = sorted(obj.responsibilities.all(), key=lambda r: r.position)
        if not named:
            return "按重点任务"
        return "、".join(f"{r.unit.name}（{r.role_label}）" for r in named)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        item = form.instance
        lead = form.cleaned_data.get("lead_unit")
        co = list(form.cleaned_data.get("co_units") or [])
        before = [r.unit_id for r in item.responsibilities.order_by("position")]
        after = [] if lead is None else [lead.pk, *(u.pk for u in co if u != lead)]
        if before != after:
            item_units_set(
                item=item,
                lead=lead,
                co_units=co,
                user=request.user,
                reason=form.cleaned_data.get("units_reason") or "",
            )
        reason = (form.cleaned_data.get("closing_reason") or "").strip()
        if reason:
            item.refresh_from_db()
            if item.closed_on is None:
                item_close(item=item, user=request.user, reason=reason)
            else:
                item_reopen(item=item, user=request.user, reason=reason)
