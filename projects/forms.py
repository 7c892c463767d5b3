from django import forms

from projects.access import writable_units
from projects.kinds import Kind
from projects.models import Project, ProjectFile
from projects.services import KIND_FIELDS, ProjectData, StageDates
from units.models import Unit
from yuecheng_housing.lib.periods import PLAN_YEARS

YEAR_CHOICES = [(y, f"{y}年") for y in PLAN_YEARS]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Beyond this many towns the filter is a box for a town's name: a list of
# thousands (a province's) would be most of the page.
MOST_LISTED = 200


class TownNameInput(forms.TextInput):
    """The chosen town shown by its name, not its id."""

    def format_value(self, value):
        if value in (None, ""):
            return None
        if str(value).isdigit():
            unit = Unit.objects.filter(pk=value).values_list("name", flat=True)
            return next(iter(unit), value)
        return value


class TownFilterField(forms.ModelChoiceField):
    """A town or company by id (the links' ?town=) or by its full name (typed)."""

    def to_python(self, value):
        if value not in self.empty_values and not str(value).isdigit():
            found = self.queryset.filter(name=str(value).strip()).first()
            if found is None:
                raise forms.ValidationError(
                    f"没有名为“{value}”的镇街或平台公司。", code="invalid_choice"
                )
            return found
        return super().to_python(value)


class FilterForm(forms.Form):
    """The list's filters; an unknown value is a bad request, not ignored."""

    town = TownFilterField(
        label="镇街/平台", queryset=Unit.objects.none(), required=False,
        empty_label="全部",
    )  # fmt: skip
    year = forms.TypedChoiceField(
        label="年度", choices=[("", "全部"), *YEAR_CHOICES], coerce=int,
        required=False, empty_value=None,
    )  # fmt: skip
    stage = forms.ChoiceField(label="阶段", required=False)
    late = forms.BooleanField(label="只看滞后", required=False)

    def __init__(self, *args, kind: Kind, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        towns = self.fields["town"]
        towns.queryset = Unit.objects.filter(
            kind__in=(Unit.Kind.TOWN, Unit.Kind.COMPANY)
        )
        if towns.queryset[MOST_LISTED:].exists():
            towns.widget = TownNameInput(
                attrs={"placeholder": "镇街或平台全称", "size": 14}
            )
        self.fields["stage"].choices = [
            ("", "全部"), ("none", "未开始"), *((s.key, s.label) for s in kind.stages)
        ]  # fmt: skip


class YearForm(forms.Form):
    year = forms.TypedChoiceField(
        label="年度计划", choices=[("", "全部年度"), *YEAR_CHOICES], coerce=int,
        required=False, empty_value=None,
    )  # fmt: skip


class ProjectForm(forms.Form):
    """A project of one kind: its fields, then a planned and a reached date per
    stage. Validates types only; the service checks the rest."""

    name = forms.CharField(max_length=200)
    town = forms.ModelChoiceField(label="镇街/平台", queryset=Unit.objects.none())
    year = forms.TypedChoiceField(label="年度计划", choices=YEAR_CHOICES, coerce=int)
    quantity = forms.IntegerField(min_value=1)
    households = forms.IntegerField(label="户数", min_value=0, required=False)
    buildings = forms.IntegerField(label="楼栋数", min_value=0, required=False)
    raising = forms.ChoiceField(label="筹集方式", choices=Project.Raising.choices)
    setting = forms.ChoiceField(label="类型", choices=Project.Setting.choices)
    award_level = forms.ChoiceField(
        label="奖项级别", choices=Project.AwardLevel.choices
    )
    planned_investment = forms.DecimalField(
        label="计划投资（万元）", min_value=0, decimal_places=2, required=False
    )
    spent_investment = forms.DecimalField(
        label="已完成投资（万元）", min_value=0, decimal_places=2, required=False
    )
    funding_source = forms.CharField(
        label="资金来源", max_length=100, required=False,
        help_text="如：中央补助、地方专项债、居民出资、社会资本。",
    )  # fmt: skip
    note = forms.CharField(
        label="备注", max_length=2000, required=False, widget=forms.Textarea
    )
    confirm = forms.BooleanField(label="已核对，确认保存", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: Kind, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["name"].label = kind.name_label
        units = writable_units(user)
        self.fields["town"].queryset = units
        if "town" not in self.initial and len(own := list(units[:2])) == 1:
            self.initial["town"] = own[0]  # a town's staff enter for their town
        if kind.one_each:
            del self.fields["quantity"]
        else:
            self.fields["quantity"].label = kind.quantity_label
        for name in KIND_FIELDS:
            if name not in kind.fields:
                del self.fields[name]
        for stage in kind.stages:
            self.fields[f"{stage.key}_planned"] = forms.DateField(
                label=f"{stage.label}·计划日期", required=False, widget=DATE
            )
            self.fields[f"{stage.key}_reached"] = forms.DateField(
                label=f"{stage.label}·完成日期", required=False, widget=DATE
            )
        # The flag and the version last: the template places them itself.
        self.order_fields([f for f in self.fields if f not in ("confirm", "version")])

    def stage_fields(self):
        return [
            (stage, self[f"{stage.key}_planned"], self[f"{stage.key}_reached"])
            for stage in self.kind.stages
        ]

    def to_data(self) -> ProjectData:
        data = self.cleaned_data
        return ProjectData(
            kind=self.kind.key,
            name=data["name"],
            town=data["town"],
            year=data["year"],
            quantity=data.get("quantity") or 1,
            households=data.get("households"),
            buildings=data.get("buildings"),
            raising=data.get("raising", ""),
            setting=data.get("setting", ""),
            award_level=data.get("award_level", ""),
            planned_investment=data.get("planned_investment"),
            spent_investment=data.get("spent_investment"),
            funding_source=data.get("funding_source", ""),
            note=data.get("note", ""),
            stages={
                s.key: StageDates(data[f"{s.key}_planned"], data[f"{s.key}_reached"])
                for s in self.kind.stages
                if data[f"{s.key}_planned"] or data[f"{s.key}_reached"]
            },
        )

    @staticmethod
    def initial_for(project: Project) -> dict:
        initial = {
            name: getattr(project, name)
            for name in (
                "name", "town", "year", "quantity", *KIND_FIELDS,
                "planned_investment", "spent_investment", "funding_source", "note",
                "version",
            )
        }  # fmt: skip
        for stage in project.stages.all():
            initial[f"{stage.stage}_planned"] = stage.planned_on
            initial[f"{stage.stage}_reached"] = stage.reached_on
        return initial


class AdvanceForm(forms.Form):
    stage = forms.ChoiceField(label="阶段")
    reached_on = forms.DateField(label="完成日期", widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, kind: Kind, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s.key, s.label) for s in kind.stages]


class FileForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=ProjectFile.Category.choices)
    file = forms.FileField(label="文件")
