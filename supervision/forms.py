from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from supervision.lights import LABELS as LIGHT_LABELS
from supervision.models import SupervisionItem
from supervision.services import ItemData, item_data_check
from units.models import ROSTER_ORDER, Unit
from yuecheng_housing.lib.periods import PLAN_YEARS


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date picker reads ISO dates only.
        return value.isoformat() if hasattr(value, "isoformat") else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the service."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [] if data in (None, "") else [super().clean(data, initial)]


FILES_HELP = "PDF、图片或 Office 文档，每个10MB以内，可多选。"


def _units() -> "forms.QuerySet[Unit]":
    return (
        Unit.objects.exclude(kind=Unit.Kind.GROUP)
        .filter(is_active=True)
        .select_related("parent")
        .order_by(*ROSTER_ORDER)
    )


def _named(form: forms.Form) -> None:
    """Make Django's own messages name their field, as the service's do."""
    for field in form.fields.values():
        name = str(field.label).split("（")[0]
        asks = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
        field.error_messages = {
            key: f"{asks}{name}。" if key == "required" else f"{name}：{message}"
            for key, message in field.error_messages.items()
        }


class ItemForm(forms.Form):
    """An item as the office assigns it; the rules live in supervision.services."""

    source = forms.ChoiceField(label="来源", choices=SupervisionItem.Source.choices)
    title = forms.CharField(label="事项名称", max_length=200)
    text = forms.CharField(
        label="督办内容",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lead = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label="配合单位（可多选）",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    assigned_on = forms.DateField(label="交办日期", widget=DateInput)
    deadline = forms.DateField(label="办结期限", widget=DateInput)
    files = MultipleFileField(label="附件（可选）", help_text=FILES_HELP)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"assigned_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        units = _units()
        self.fields["lead"].queryset = units
        self.fields["co_units"].queryset = units
        _named(self)

    def clean(self):
        cleaned = super().clean()
        try:
            item_data_check(data=self.item_data(), today=timezone.localdate())
        except ValidationError as e:
            for field, problems in e.error_dict.items():
                target = "co_units" if field == "units" else field
                if target in self.fields and target not in self.errors:
                    self.add_error(target, problems)
        return cleaned

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        lead = data.get("lead")
        co = [u for u in data.get("co_units", []) if u != lead]
        return ItemData(
            source=data.get("source", ""),
            title=data.get("title", ""),
            text=data.get("text", ""),
            units=([lead] if lead else []) + co,
            assigned_on=data.get("assigned_on"),
            deadline=data.get("deadline"),
        )


def _year_choices() -> list[tuple[str, str]]:
    return [("", "全部")] + [(str(y), f"{y}年") for y in PLAN_YEARS]


class FilterForm(forms.Form):
    """The list's filters; an unknown value is a bad request, not ignored."""

    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.none(), required=False, empty_label="全部"
    )
    state = forms.ChoiceField(
        label="状态",
        choices=[("", "全部")] + SupervisionItem.State.choices,
        required=False,
    )
    light = forms.ChoiceField(
        label="亮灯", choices=[("", "全部"), *LIGHT_LABELS.items()], required=False
    )
    source = forms.ChoiceField(
        label="来源",
        choices=[("", "全部")] + SupervisionItem.Source.choices,
        required=False,
    )
    year = forms.TypedChoiceField(
        label="年度", choices=_year_choices, coerce=int, required=False,
        empty_value=None,
    )  # fmt: skip

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ApplyForm(forms.Form):
    account = forms.CharField(
        label="办理情况",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明办了什么、结果如何；至少4个字。",
    )
    files = MultipleFileField(label="佐证材料", help_text=FILES_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtensionForm(forms.Form):
    until = forms.DateField(label="申请延期至", widget=DateInput)
    reason = forms.CharField(
        label="延期理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
