from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from hazards.access import visible_towns
from hazards.clocks import State
from hazards.models import HazardCase
from hazards.services import CaseData, case_data_check
from units.models import Unit


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date picker reads ISO dates only.
        return value.isoformat() if hasattr(value, "isoformat") else value


def _date(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput)


class HazardCaseForm(forms.Form):
    """A case as a town enters it; the rules live in hazards.services."""

    town = forms.ModelChoiceField(
        label="镇街", queryset=Unit.objects.none(), empty_label=None
    )
    address = forms.CharField(label="地址", max_length=200)
    kind = forms.ChoiceField(label="类别", choices=HazardCase.Kind.choices)
    hardship = forms.BooleanField(label="困难家庭（农村）", required=False)
    found_on = _date("发现日期", required=True)
    appraised_on = _date("鉴定日期")
    grade = forms.ChoiceField(
        label="鉴定等级",
        choices=[("", "未鉴定")] + HazardCase.Grade.choices,
        required=False,
    )
    evacuated_on = _date("撤离日期（D级）")
    remedy = forms.ChoiceField(
        label="整治方式",
        choices=[("", "—")] + HazardCase.Remedy.choices,
        required=False,
    )
    remedied_on = _date("整治完成日期")
    relief_granted_on = _date("救助到位日期（困难家庭）")
    note = forms.CharField(
        label="备注",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(
        label="佐证材料（鉴定报告、照片等，可选）",
        required=False,
        help_text="PDF、图片或 Office 文档，10MB 以内。",
    )
    version = forms.IntegerField(label="版本", required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label="已核对，确是另一幢房屋", required=False)

    def __init__(self, *args, towns, case: HazardCase | None = None, **kwargs) -> None:
        if case is not None:
            initial = {
                name: getattr(case, name)
                for name in self.base_fields
                if hasattr(case, name) and name not in ("evidence", "town")
            }
            kwargs.setdefault("initial", {**initial, "town": case.town_id})
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self._messages_name_their_field()
        self.editing = case is not None

    def _messages_name_their_field(self) -> None:
        """Make Django's own messages name their field, as the service's do: the
        summary at the top of the page lists each message once, without a label."""
        for field in self.fields.values():
            name = field.label.split("（")[0]
            asks = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
            field.error_messages = {
                key: f"{asks}{name}。" if key == "required" else f"{name}：{message}"
                for key, message in field.error_messages.items()
            }

    def clean(self):
        cleaned = super().clean()
        if self.editing and cleaned.get("version") is None:
            # An edit carries the version it was drawn from: a post without it
            # (a hand-made request) is refused, never last-write-wins.
            raise forms.ValidationError(
                "缺少版本号：请刷新页面后再提交，以免覆盖他人的修改。",
                code="no_version",
            )
        self._rules_check(cleaned)
        return cleaned

    def _rules_check(self, cleaned: dict) -> None:
        """Add the service's errors (hazards.services.case_data_check) for the
        fields read here, even when another field was refused, so that every
        error shows on the first submit; the service checks again when saving."""
        values = {"address": "", "kind": "", "found_on": None, "town": None}
        values |= {
            name: cleaned[name] for name in CaseData.__dataclass_fields__
            if name in cleaned
        }  # fmt: skip
        try:
            case_data_check(data=CaseData(**values), today=timezone.localdate())
        except ValidationError as e:
            for field, problems in e.error_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, problems)

    def case_data(self) -> CaseData:
        data = self.cleaned_data
        return CaseData(**{name: data[name] for name in CaseData.__dataclass_fields__})


class FilterForm(forms.Form):
    """The list's filters; an unknown value is a bad request, not ignored."""

    town = forms.ModelChoiceField(
        label="镇街",
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN),
        required=False,
        empty_label="全部",
    )
    kind = forms.ChoiceField(
        label="类别", choices=[("", "全部")] + HazardCase.Kind.choices, required=False
    )
    state = forms.ChoiceField(
        label="状态", choices=[("", "全部")] + State.choices, required=False
    )
    grade = forms.ChoiceField(
        label="等级",
        choices=[("", "全部"), ("none", "未鉴定")] + HazardCase.Grade.choices,
        required=False,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A town's staff pick among the towns they may see, not the whole roster.
        self.fields["town"].queryset = visible_towns(user)
