"""What the read API answers: each response's shape, used to render it and to
document it, so the schema cannot drift from what is sent."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.boards import COUNT_KEYS
from dashboard.ranking import LIST_TITLES
from documents.models import IssuedNotice
from indicators.forecast import needed_figure
from indicators.serializers import IndicatorSerializer
from indicators.status import LABELS as INDICATOR_LABELS
from indicators.status import ORDER as INDICATOR_ORDER
from reporting.models import ItemProgress
from reporting.return_state import LABELS as RETURN_LABELS
from supervision.api import SUPERVISION_SOURCES, SUPERVISION_STATES, LightSerializer
from tasks.item_deadlines import STATE_LABELS
from units.serializers import GroupNameField
from yuecheng_housing.lib.api_fields import (
    MonthField,
    PeriodField,
    PlanNumberField,
    PlanYearField,
    QueryIntegerField,
)
from yuecheng_housing.lib.api_pagination import PageQuerySerializer
from yuecheng_housing.lib.numbers import round_figure

# Codes with their Chinese labels, so the schema's enums say what each code means.
ITEM_STATES = list(STATE_LABELS.items())
RETURN_STATES = list(RETURN_LABELS.items())
INDICATOR_STATUSES = [(code, INDICATOR_LABELS[code]) for code in INDICATOR_ORDER]
SCORE_PARTS = ["work", "returns", "indicators", "hazards", "supervision"]
RANKING_LISTS = list(LIST_TITLES.items())


class YearQuerySerializer(serializers.Serializer):
    year = PlanYearField(required=False, help_text="方案年度（2023—2027），默认为今年")


class ProgressSerializer(serializers.Serializer):
    period = PeriodField(allow_null=True)
    value = PlanNumberField(allow_null=True)
    expected = PlanNumberField(allow_null=True)
    completion = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=INDICATOR_STATUSES)

    def get_completion(self, progress) -> float | None:
        if progress.completion is None:
            return None
        return round(float(progress.completion), 4)


class IndicatorWithProgressSerializer(IndicatorSerializer):
    """指标及其在所查年度的进度（IndicatorRow）。"""

    progress = ProgressSerializer(
        required=False, help_text="仅在带 year 查询时给出：该年度的进度"
    )

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "progress"]

    def to_representation(self, row) -> dict:
        data = IndicatorSerializer(row.indicator).data
        data["progress"] = ProgressSerializer(row.progress).data
        return data


class SeriesPointSerializer(serializers.Serializer):
    period = PeriodField()
    value = PlanNumberField()
    unit = serializers.CharField()


class ForecastSerializer(serializers.Serializer):
    """指标年底预计：由当年已审核的月度区级数值测算，满3个月起。"""

    code = serializers.IntegerField(help_text="指标序号")
    year = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=INDICATOR_STATUSES, help_text="与页面相同的状态判定（已达标、未达标等）"
    )
    status_label = serializers.CharField(help_text="状态的中文名称")
    final = serializers.BooleanField(help_text="年度已结束、判定为最终结论")
    unlikely = serializers.BooleanField(help_text="是否列为“预计难以完成”")
    available = serializers.BooleanField(
        help_text="是否给出预计：当年已审核的数据不足3个月、年度已结束或按年底"
        "一次性评定时为 false，各数值为 null"
    )
    basis = PeriodField(allow_null=True, help_text="测算所依据的最新月份")
    months = serializers.IntegerField(min_value=0, help_text="当年已审核数据的月数")
    value = PlanNumberField(allow_null=True, help_text="年底预计值，指标计量单位")
    low = PlanNumberField(allow_null=True, help_text="预计区间下限")
    high = PlanNumberField(allow_null=True, help_text="预计区间上限")
    needed_per_month = PlanNumberField(
        allow_null=True,
        help_text="达到年度目标每月还需的变化量（已达标为 0；12月数据已出为 null）",
    )
    met_in = PeriodField(
        allow_null=True, help_text="按此速度达到年度目标的月份；2027年底前达不到为 null"
    )
    will_meet = serializers.BooleanField(
        allow_null=True, help_text="年底预计值是否达到年度目标"
    )
    method = serializers.CharField(help_text="测算方法（中文）；无预计时说明原因")


class BoardUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()


class BoardTaskSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    role = serializers.CharField(help_text="牵头 / 配合")

    def to_representation(self, pair) -> dict:
        task, role = pair
        return {"number": task.number, "title": task.title, "role": role}


class BoardItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    text = serializers.CharField(source="item.text")
    deadline = serializers.DateField(source="item.deadline")
    deadline_label = serializers.CharField(source="item.deadline_label")
    role = serializers.CharField(help_text="牵头 / 配合")
    status = serializers.ChoiceField(
        choices=ItemProgress.Status.choices,
        source="own.status",
        allow_null=True,
        help_text="本单位最新报送的进展；未报送为 null",
    )
    completed_on = serializers.DateField(source="own.completed_on", allow_null=True)
    lead_status = serializers.ChoiceField(
        choices=ItemProgress.Status.choices,
        source="lead.status",
        allow_null=True,
        help_text="牵头单位最新报送的进展",
    )
    state = serializers.ChoiceField(choices=ITEM_STATES)
    days_overdue = serializers.IntegerField()


class BoardIndicatorSerializer(serializers.Serializer):
    code = serializers.IntegerField(source="indicator.code")
    status = serializers.ChoiceField(
        choices=INDICATOR_STATUSES, source="progress.status"
    )


class ReturnMonthSerializer(serializers.Serializer):
    period = PeriodField()
    state = serializers.ChoiceField(choices=RETURN_STATES, source="code")


class BoardCountsSerializer(serializers.Serializer):
    """各状态的事项数（items 为合计）和各报送状态的月数。"""

    def get_fields(self) -> dict:
        return {key: serializers.IntegerField() for key in COUNT_KEYS}


class BoardSupervisionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    title = serializers.CharField(source="item.title")
    source = serializers.ChoiceField(source="item.source", choices=SUPERVISION_SOURCES)
    role = serializers.SerializerMethodField(help_text="牵头 / 配合")
    lead_unit = serializers.CharField(source="lead.name", allow_null=True)
    deadline = serializers.DateField(source="item.deadline")
    state = serializers.ChoiceField(source="item.state", choices=SUPERVISION_STATES)
    light = LightSerializer()

    def get_role(self, row) -> str:
        return "牵头" if row.lead == self.context["unit"] else "配合"


class BoardSupervisionSerializer(serializers.Serializer):
    """本单位牵头或配合、今天仍在办的督办事项（调用者可见的），逾期在前。"""

    open = serializers.IntegerField(help_text="在办件数")
    due_soon = serializers.IntegerField(help_text="其中临期（黄灯）")
    overdue = serializers.IntegerField(help_text="其中逾期（红灯）")
    items = serializers.SerializerMethodField()

    @extend_schema_field(BoardSupervisionItemSerializer(many=True))
    def get_items(self, board) -> list[dict]:
        return BoardSupervisionItemSerializer(
            board.rows, many=True, context={"unit": board.unit}
        ).data


class UnitBoardSerializer(serializers.Serializer):
    unit = BoardUnitSerializer()
    year = serializers.IntegerField()
    key_tasks = BoardTaskSerializer(many=True, source="tasks")
    items = BoardItemSerializer(many=True)
    indicators = BoardIndicatorSerializer(many=True)
    returns = ReturnMonthSerializer(many=True, source="months")
    counts = BoardCountsSerializer()
    supervision = BoardSupervisionSerializer(
        help_text="督办事项：今天在办的件数和事项（亮灯），与单位看板页面一致；"
        "单位账号只看到本单位牵头或配合的事项"
    )


class ScorePartsSerializer(serializers.Serializer):
    """各分项的完成比例（0—1）；当期无此类考核内容时为 null。"""

    def get_fields(self) -> dict:
        return {
            part: serializers.FloatField(allow_null=True, min_value=0, max_value=1)
            for part in SCORE_PARTS
        }


class WeightsSerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        return {part: PlanNumberField() for part in SCORE_PARTS}


class UnitScoreSerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1)
    unit = serializers.CharField(source="unit.name")
    unit_id = serializers.IntegerField(source="unit.pk")
    list = serializers.ChoiceField(
        choices=RANKING_LISTS,
        source="list_kind",
        help_text="所在榜单（名次在榜单内排定）：departments 区级部门，"
        "towns 镇街及平台公司",
    )
    score = serializers.FloatField(min_value=0, max_value=100)
    parts = ScorePartsSerializer()
    change = serializers.IntegerField(
        allow_null=True, help_text="较上月名次的变化：+2 为上升两位，null 为上月未排名"
    )


class RankingQuerySerializer(PageQuerySerializer):
    year = PlanYearField(required=False, help_text="方案年度（2023—2027），默认为今年")
    month = PeriodField(
        required=False,
        help_text="截至该月末（或今天，若更早）的排名，即该月通报所列的排名；"
        "不带时为全年排名（往年截至次年1月的填报截止日）",
    )
    list = serializers.ChoiceField(
        choices=RANKING_LISTS, required=False, help_text="只列一张榜单"
    )
    group = GroupNameField(required=False, help_text="只列该单位组（如各镇街）的成员")
    rank_min = QueryIntegerField(
        required=False, min_value=1, max_value=10**9 - 1, help_text="名次不前于（含）"
    )
    rank_max = QueryIntegerField(
        required=False, min_value=1, max_value=10**9 - 1, help_text="名次不后于（含）"
    )


class RankingPageSerializer(serializers.Serializer):
    """A page of the ranking in the paged lists' envelope, with the ranking's
    own year, day and weights beside it."""

    count = serializers.IntegerField(min_value=0, help_text="符合条件的参与排名单位数")
    next = serializers.URLField(allow_null=True, help_text="下一页；没有时为 null")
    previous = serializers.URLField(allow_null=True, help_text="上一页；没有时为 null")
    results = UnitScoreSerializer(many=True, help_text="本页的单位，按榜单和名次排列")
    year = serializers.IntegerField()
    as_of = serializers.DateField(help_text="排名截至的日期")
    weights = WeightsSerializer()
    apart = serializers.SerializerMethodField(
        help_text="当期无考核内容、不参与排名的单位（按 list、group 筛选，不分页）"
    )

    def get_apart(self, page: dict) -> list[str]:
        return [s.unit.name for s in page["apart"]]


class OverdueItemSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.name")
    item = serializers.CharField(source="item.text")
    deadline = serializers.DateField(source="item.deadline")
    deadline_label = serializers.CharField(source="item.deadline_label")
    days_overdue = serializers.IntegerField(source="days")


class LaggingIndicatorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    status = serializers.ChoiceField(choices=INDICATOR_STATUSES)

    def to_representation(self, pair) -> dict:
        row, status = pair
        return {"code": row.indicator.code, "status": status}


class UnlikelyIndicatorSerializer(serializers.Serializer):
    """预计难以完成的指标：按通报月份前已审核的数据测算。"""

    code = serializers.IntegerField()
    value = PlanNumberField(help_text="年底预计值")
    low = PlanNumberField(help_text="预计区间下限")
    high = PlanNumberField(help_text="预计区间上限")
    needed_per_month = PlanNumberField(
        allow_null=True, help_text="达到年度目标每月还需的变化量"
    )

    def to_representation(self, pair) -> dict:
        row, forecast = pair
        needed = forecast.needed_per_month
        places = row.indicator.decimals
        # In the indicator's places, as the page and the Excel show them.
        shown = {
            name: round_figure(getattr(forecast, name), places)
            for name in ("value", "low", "high")
        }
        return {
            "code": row.indicator.code,
            **{
                name: self.fields[name].to_representation(number)
                for name, number in shown.items()
            },
            "needed_per_month": None
            if needed is None
            else self.fields["needed_per_month"].to_representation(
                needed_figure(needed, places)
            ),
        }


class UnitNamesField(serializers.ListField):
    child = serializers.CharField()

    def to_representation(self, units) -> list[str]:
        return [u.name for u in units]


class SupervisionCountsSerializer(serializers.Serializer):
    on_time = serializers.IntegerField(help_text="按期办结")
    late = serializers.IntegerField(help_text="逾期办结")
    open = serializers.IntegerField(help_text="在办未逾期")
    overdue = serializers.IntegerField(help_text="逾期未办结")


class SupervisionUnitCountsSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.name")
    counts = SupervisionCountsSerializer()


class SupervisionNoticeSerializer(serializers.Serializer):
    totals = SupervisionCountsSerializer()
    units = SupervisionUnitCountsSerializer(many=True)


class NoticeSerializer(serializers.Serializer):
    period = PeriodField()
    as_of = serializers.DateField()
    overdue_items = OverdueItemSerializer(many=True, source="overdue")
    returns_period = MonthField(help_text="其报送期限在本月的月份（1月通报为上年12月）")
    late_returns = UnitNamesField(source="late")
    missing_returns = UnitNamesField(source="missing")
    sent_back_returns = UnitNamesField(source="sent_back")
    indicators_behind = LaggingIndicatorSerializer(many=True, source="behind")
    indicators_unlikely = UnlikelyIndicatorSerializer(
        many=True, source="unlikely", help_text="预计难以完成年度目标的指标"
    )
    best_units = UnitScoreSerializer(many=True, source="best")
    supervision = SupervisionNoticeSerializer(
        help_text="督办事项办理情况：本年督办事项截至通报日的按期办结、逾期办结、"
        "在办未逾期、逾期未办结数，合计与各责任单位（牵头与配合各计）"
    )


ISSUED_NOTICE_KINDS = IssuedNotice.Kind.choices


class IssuedNoticeSerializer(serializers.Serializer):
    """An issued 通报 as signed; `content` is its frozen copy (sentences, tables,
    figures), the same the page, the .docx and the PDF print."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="期号，如 2026年第11期")
    year = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=ISSUED_NOTICE_KINDS,
        help_text="issue 通报；correction 更正；withdrawal 撤销",
    )
    period = serializers.SerializerMethodField(help_text="通报月份，如 2026-10")
    issued_on = serializers.DateField()
    title = serializers.CharField(source="snapshot.title")
    foreword = serializers.CharField(help_text="按语，原样文本")
    instruction = serializers.CharField(help_text="领导批示，原样文本")
    replaces = serializers.CharField(
        source="replaces.label", allow_null=True, default=None
    )
    reason = serializers.CharField(help_text="更正或撤销原因")
    docx = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    def get_period(self, notice) -> str:
        return f"{notice.period:%Y-%m}"

    def get_docx(self, notice) -> str:
        return reverse("dashboard:issued_notice_docx", args=[notice.pk])

    def get_pdf(self, notice) -> str:
        return reverse("dashboard:issued_notice_pdf", args=[notice.pk])


class IssuedNoticeDetailSerializer(IssuedNoticeSerializer):
    content = serializers.JSONField(source="snapshot")


class PlanCellSerializer(serializers.Serializer):
    text = serializers.CharField()
    rowspan = serializers.IntegerField()
    colspan = serializers.IntegerField()
    anchor = serializers.CharField(
        help_text="工作清单事项的锚点，如 text-worklist-2023-6-1"
    )


class PlanRowSerializer(serializers.Serializer):
    header = serializers.BooleanField()
    anchor = serializers.CharField(help_text="指标行或清单条目的锚点")
    cells = PlanCellSerializer(many=True)


class PlanPassageSerializer(serializers.Serializer):
    anchor = serializers.CharField(help_text="在 /plan/ 页面上的锚点")
    kind = serializers.ChoiceField(
        choices=["issuer", "title", "heading", "caption", "paragraph", "table"]
    )
    part = serializers.CharField(help_text="所在部分，如“三、重点任务”“附件2”")
    text = serializers.CharField(help_text="方案原文；表格为各单元格以空格连接")
    rows = PlanRowSerializer(many=True)


class PlanQuoteSerializer(serializers.Serializer):
    source = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField(help_text="方案原文")
    anchor = serializers.CharField()


class PlanInconsistencySerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    first = PlanQuoteSerializer()
    second = PlanQuoteSerializer()
    finding = serializers.CharField()
    used = serializers.CharField(help_text="系统的处理：按哪个数字判定及原因")
    codes = serializers.ListField(child=serializers.IntegerField())
    reason = serializers.CharField(help_text="人工记录的原因（规则查出的为空）")
    note = serializers.CharField(help_text="管理员说明")
