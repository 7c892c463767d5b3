"""Input of the assessment pages: validated and normalised here, saved by the
services (which check the rules again: the API or a command may call them)."""

from django import forms

from assessment.models import Adjustment
from assessment.parts import parts_for
from units.models import ROSTER_ORDER, Unit

REQUIRED = "请填写{}。"


class SchemeForm(forms.Form):
    """One list's weights, one field per part that may apply to it."""

    def __init__(self, *args, list_kind: str, initial_weights: dict, **kwargs):
        super().__init__(*args, prefix=list_kind, **kwargs)
        for part in parts_for(list_kind):
            self.fields[part.key] = forms.DecimalField(
                label=part.label,
                help_text=part.rule,
                min_value=0,
                max_value=100,
                decimal_places=1,
                required=False,
                initial=initial_weights.get(part.key, 0),
                error_messages={
                    "invalid": f"{part.label}的权重须是数字。",
                    "min_value": "权重不能为负数。",
                    "max_value": "权重不能超过100。",
                    "max_decimal_places": "权重最多保留一位小数。",
                },
            )

    def weights(self) -> dict:
        return {key: value or 0 for key, value in self.cleaned_data.items()}


class AdjustmentForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="单位",
        queryset=Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by(*ROSTER_ORDER),
        error_messages={"required": "请选择单位。", "invalid_choice": "没有这个单位。"},
    )
    kind = forms.ChoiceField(
        label="类型",
        choices=Adjustment.Kind.choices,
        error_messages={"required": "请选择类型。"},
    )
    category = forms.ChoiceField(
        label="事由类别",
        choices=Adjustment.Category.choices,
        error_messages={"required": "请选择事由类别。"},
    )
    points = forms.DecimalField(
        label="分值",
        required=False,
        min_value=0,
        max_value=20,
        decimal_places=1,
        help_text="一票否决不填。",
        error_messages={"invalid": "分值须是数字。"},
    )
    reason = forms.CharField(
        label="理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "请填写理由。"},
    )
    evidence = forms.CharField(
        label="依据",
        max_length=200,
        help_text="文号、会议纪要或批示名称。",
        error_messages={"required": "请填写依据（文号、纪要或批示）。"},
    )


class PublishForm(forms.Form):
    objection_days = forms.IntegerField(
        label="异议期（天）",
        initial=7,
        min_value=1,
        max_value=60,
        error_messages={
            "required": "请填写异议期天数。",
            "invalid": "异议期须是整数天。",
            "min_value": "异议期须在1至60天之间。",
            "max_value": "异议期须在1至60天之间。",
        },
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label="异议内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="请写明对哪一项、哪条事实有异议及理由，可注明佐证材料。",
        error_messages={"required": "请填写异议内容。"},
    )


class CorrectionForm(forms.Form):
    """A correction of one item of a unit's published row."""

    field = forms.ChoiceField(label="更正项目", required=False)
    value = forms.CharField(label="更正后的值", required=False, max_length=20)
    reason = forms.CharField(
        label="更正理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "不更正"), *fields]

    def correction(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("field"):
            return None
        return {
            "field": data["field"],
            "value": data.get("value", ""),
            "reason": data.get("reason", ""),
        }


class AnswerForm(CorrectionForm):
    answer = forms.CharField(
        label="答复",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "请填写答复。"},
    )
    field_order = ["answer", "field", "value", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = "不填则以答复为更正理由。"
