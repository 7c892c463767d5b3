from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from reporting.models import ItemProgress
from yuecheng_housing.lib.numbers import parse_number
from yuecheng_housing.lib.text import bracketed

VERSION_MISSING = "缺少版本号：请刷新页面后再提交，以免覆盖他人的修改。"


class NumberField(forms.Field):
    """A number typed as text, read by parse_number in the indicator's unit
    ("1.4475万" in a 万套 field is 1.4475)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    unit = ""

    def to_python(self, value) -> Decimal | None:
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 30:
            raise ValidationError("数值过长。", code="too_long")
        return parse_number(value, unit=self.unit)


class IndicatorValueForm(forms.Form):
    """One indicator's line on the monthly entry page."""

    value = NumberField(label="本期数值", required=False)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    decrease_reason = forms.CharField(
        label="低于上月时的原因",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    # Every form carries the version it was drawn from (0: nothing stored); a
    # post without one (a hand-made request) is refused, never last-write-wins.
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": VERSION_MISSING}
    )
    confirm = forms.BooleanField(label="已核对，数值无误", required=False)

    def __init__(self, *args, indicator, stored=None, **kwargs) -> None:
        self.indicator = indicator
        self.stored = stored
        if stored is not None:
            kwargs.setdefault(
                "initial",
                {
                    "value": f"{stored.value.normalize():f}",
                    "note": stored.note,
                    "decrease_reason": stored.decrease_reason,
                    "version": stored.version,
                },
            )
        kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, prefix=f"ind{indicator.code}", **kwargs)
        self.fields["value"].label = f"{indicator.name}{bracketed(indicator.unit)}"
        self.fields["value"].unit = indicator.unit


class ItemProgressForm(forms.Form):
    """One checklist item's line on the monthly entry page."""

    status = forms.ChoiceField(
        label="进展状态",
        choices=[("", "（未填）"), *ItemProgress.Status.choices],
        required=False,
    )
    completed_on = forms.DateField(
        label="完成日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    evidence = forms.FileField(label="佐证材料", required=False)
    # Every form carries the version it was drawn from (0: nothing stored); a
    # post without one (a hand-made request) is refused, never last-write-wins.
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": VERSION_MISSING}
    )
    confirm = forms.BooleanField(label="已核对，日期无误", required=False)

    def __init__(self, *args, item, stored=None, **kwargs) -> None:
        self.item = item
        self.stored = stored
        if stored is not None:
            kwargs.setdefault(
                "initial",
                {
                    "status": stored.status,
                    "completed_on": stored.completed_on,
                    "note": stored.note,
                    "version": stored.version,
                },
            )
        kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, prefix=f"item{item.pk}", **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == ItemProgress.Status.DONE and not cleaned.get(
            "completed_on"
        ):
            self.add_error("completed_on", "已完成的事项须填写完成日期。")
        return cleaned
