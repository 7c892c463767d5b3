from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from indicators.models import (
    Domain,
    Indicator,
    PlanNote,
    PlanSettings,
    Target,
    TargetSplit,
)
from indicators.services import (
    JUDGEMENT_FIELDS,
    indicator_judgement_set,
    plan_note_save,
    split_errors,
    target_revise,
    target_split_delete,
    target_split_save,
)
from units.models import Unit
from yuecheng_housing.lib.history_admin import HistoryAdmin


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]


class TargetInline(admin.TabularInline):
    model = Target
    fields = ["year", "comparator", "value"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class IndicatorForm(forms.ModelForm):
    reason = forms.CharField(
        label="修改原因",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="修改基期值、进度曲线或进度节点时必填。",
    )

    class Meta:
        model = Indicator
        fields = [
            "name", "unit", "domain", "kind", "direction", "decimals",
            "aggregation", "key_task", "note", "baseline", "progress_curve",
            "milestones",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        changed = set(JUDGEMENT_FIELDS) & set(self.changed_data)
        if changed and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "修改基期值或进度曲线必须填写原因。")
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    form = IndicatorForm
    list_display = [
        "code", "name", "unit", "domain", "kind", "progress_curve", "key_task",
    ]  # fmt: skip
    list_filter = ["domain", "kind"]
    search_fields = ["name", "label"]
    list_select_related = ["domain", "key_task"]
    readonly_fields = ["code", "label"]
    inlines = [TargetInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        judgement = set(JUDGEMENT_FIELDS) & set(form.changed_data)
        if change and judgement:
            # What a year is judged against goes through its service, with the
            # reason; the other fields are saved as they were before it.
            original = Indicator.objects.get(pk=obj.pk)
            for name in JUDGEMENT_FIELDS:
                setattr(obj, name, getattr(original, name))
            super().save_model(request, obj, form, change)
            try:
                indicator_judgement_set(
                    indicator=obj,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    baseline=form.cleaned_data["baseline"],
                    progress_curve=form.cleaned_data["progress_curve"],
                    milestones=form.cleaned_data["milestones"],
                )
            except ValidationError as e:
                messages.error(request, "；".join(e.messages))
            return
        super().save_model(request, obj, form, change)


class TargetRevisionForm(forms.ModelForm):
    reason = forms.CharField(
        label="修订原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：根据政策评估结果调整（四、保障措施（二））。",
    )

    # What the admin saw when the page opened: a revision saved meanwhile by
    # someone else is refused instead of silently replaced.
    seen_comparator = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_value = forms.DecimalField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Target
        fields = ["comparator", "value"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_comparator"].initial = self.instance.comparator
            self.fields["seen_value"].initial = self.instance.value

    def clean(self):
        cleaned = super().clean()
        if not {"comparator", "value"} & set(self.changed_data):
            raise ValidationError("目标值未改变，无需修订。", code="unchanged")
        current = Target.objects.filter(pk=self.instance.pk).first()
        seen = (cleaned.get("seen_comparator"), cleaned.get("seen_value"))
        if current is not None and (current.comparator, current.value) != seen:
            raise ValidationError("已被他人修改，请刷新后再改。", code="stale")
        return cleaned


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    form = TargetRevisionForm
    list_display = ["indicator", "year", "comparator", "value"]
    list_filter = ["year", "indicator__domain"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name"]
    readonly_fields = ["indicator", "year"]
    fields = [
        "indicator",
        "year",
        "comparator",
        "value",
        "reason",
        "seen_comparator",
        "seen_value",
    ]

    def has_add_permission(self, request) -> bool:
        # Targets come from the plan (load_plan); the admin revises them.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        original = Target.objects.get(pk=obj.pk)
        try:
            target_revise(
                target=original,
                comparator=form.cleaned_data["comparator"],
                value=form.cleaned_data["value"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                seen=(
                    form.cleaned_data["seen_comparator"],
                    form.cleaned_data["seen_value"],
                ),
            )
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))


@admin.register(PlanSettings)
class PlanSettingsAdmin(HistoryAdmin):
    list_display = ["__str__", "warning_threshold", "entry_deadline_day"]

    def has_add_permission(self, request) -> bool:
        return not PlanSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PlanNoteForm(forms.ModelForm):
    reason = forms.CharField(label="修改原因", max_length=200, required=False)

    class Meta:
        model = PlanNote
        fields = ["note"]


@admin.register(PlanNote)
class PlanNoteAdmin(HistoryAdmin):
    form = PlanNoteForm
    list_display = ["key", "note"]
    search_fields = ["key", "note"]
    readonly_fields = ["key"]
    fields = ["key", "note", "reason"]

    def has_add_permission(self, request) -> bool:
        # A note belongs to a disagreement found in the plan: written from /plan/.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            plan_note_save(
                key=obj.key,
                note=form.cleaned_data["note"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))


class TargetSplitForm(forms.ModelForm):
    reason = forms.CharField(
        label="分解原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：按区住建局2025年老旧小区改造计划分解到镇街。",
    )

    class Meta:
        model = TargetSplit
        fields = ["indicator", "unit", "year", "value", "start"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(
            aggregation=Indicator.Aggregation.SUM
        )
        self.fields["unit"].queryset = Unit.objects.exclude(parent=None)

    def validate_unique(self) -> None:
        # One share per unit and year: saving the same again revises it.
        pass

    def clean(self):
        cleaned = super().clean()
        # On a change page the key fields are read-only: they are the instance's.
        instance = self.instance if self.instance.pk else None
        indicator = cleaned.get("indicator") or (instance and instance.indicator)
        unit = cleaned.get("unit") or (instance and instance.unit)
        year = cleaned.get("year") or (instance and instance.year)
        if indicator and unit and year and cleaned.get("value") is not None:
            for error in split_errors(
                indicator=indicator,
                unit=unit,
                year=year,
                value=cleaned["value"],
                start=cleaned.get("start"),
            ):
                self.add_error(None, error)
        return cleaned


@admin.register(TargetSplit)
class TargetSplitAdmin(HistoryAdmin):
    """Shares of a summed indicator's target by town (按镇街分解): each write goes
    through indicators.services, which checks they fit in the district target."""

    form = TargetSplitForm
    list_display = ["indicator", "year", "unit", "value", "start"]
    list_filter = ["year", "indicator"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["unit__name"]
    actions = None  # a bulk delete would skip the reason

    def get_readonly_fields(self, request, obj=None):
        # A share belongs to one indicator, unit and year; another is a new row.
        return ["indicator", "unit", "year"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        saved = target_split_save(
            indicator=obj.indicator,
            unit=obj.unit,
            year=obj.year,
            value=form.cleaned_data["value"],
            start=form.cleaned_data.get("start"),
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        target_split_delete(split=obj, user=request.user, reason="管理员删除分解目标")
