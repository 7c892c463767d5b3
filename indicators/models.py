from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from indicators.status import parse_milestones
from yuecheng_housing.lib.audit import AuditTrail
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR


class Domain(models.Model):
    """One of the plan's four domains (领域): 住房保障, 住房品质, 住房安全, 住房市场."""

    name = models.CharField("名称", max_length=20, unique=True)
    position = models.PositiveSmallIntegerField("排序", unique=True)

    class Meta:
        verbose_name = "领域"
        verbose_name_plural = "领域"
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One of the 14 five-year indicators (表：“住有宜居”工程五年目标)."""

    class Kind(models.TextChoices):
        CUMULATIVE = "cumulative", "累计数"
        RATE = "rate", "比率（%）"
        LEVEL = "level", "水平值"

    class Aggregation(models.TextChoices):
        WHOLE = "whole", "牵头单位报全区数"
        SUM = "sum", "各单位分报、全区为合计"

    class Direction(models.TextChoices):
        HIGHER = "higher", "越高越好"
        LOWER = "lower", "越低越好"

    code = models.PositiveSmallIntegerField("序号", unique=True)
    name = models.CharField("指标名称", max_length=100, unique=True)
    unit = models.CharField("计量单位", max_length=20)
    label = models.CharField(
        "方案原文", max_length=120, help_text="五年目标表中的写法，含计量单位。"
    )
    domain = models.ForeignKey(
        Domain, verbose_name="领域", on_delete=models.PROTECT, related_name="indicators"
    )
    kind = models.CharField("计量类别", max_length=20, choices=Kind.choices)
    direction = models.CharField(
        "方向", max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    decimals = models.PositiveSmallIntegerField(
        "小数位数", default=2, help_text="填报值允许的小数位数；个数类为0。"
    )
    aggregation = models.CharField(
        "填报方式",
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.WHOLE,
        help_text="合计类指标由重点任务中各单位组（各镇街等）的成员单位分别填报。",
    )
    key_task = models.ForeignKey(
        "tasks.KeyTask",
        verbose_name="承载的重点任务",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
    )
    note = models.TextField(
        "说明", blank=True, help_text="方案正文与五年目标表不一致之处等。"
    )
    baseline = models.DecimalField(
        "基期值（2022年底）",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="用于判断2023年的进度；未填写时2023年仅在年底对照目标判断。",
    )

    class Curve(models.TextChoices):
        LINEAR = "linear", "按月直线推进"
        MILESTONES = "milestones", "按月度节点推进"
        YEAR_END = "year_end", "年底一次性评定"

    progress_curve = models.CharField(
        "进度曲线",
        max_length=12,
        choices=Curve.choices,
        default=Curve.LINEAR,
        help_text="年中按什么进度判断正常、预警、滞后；如优质工程每年评定一次，"
        "选“年底一次性评定”。",
    )
    milestones = models.CharField(
        "进度节点",
        max_length=120,
        blank=True,
        help_text="仅“按月度节点推进”时填写：“月份:完成年度任务的百分比”，"
        "逗号分隔，如“6:40,9:70”；节点之间按直线，12月为100%。",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__gte=1), name="indicator_code_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:indicator", args=[self.code])

    @property
    def higher_is_better(self) -> bool:
        return self.direction == self.Direction.HIGHER

    @property
    def milestone_shares(self) -> dict[int, Decimal]:
        """The admin's milestones as {month: share of the year's task}."""
        if self.progress_curve != self.Curve.MILESTONES:
            return {}
        return parse_milestones(self.milestones)

    def clean(self) -> None:
        errors = {}
        if self.progress_curve == self.Curve.MILESTONES:
            if not self.milestones.strip():
                errors["milestones"] = "选择“按月度节点推进”时须填写进度节点。"
            else:
                try:
                    parse_milestones(self.milestones)
                except ValueError as e:
                    errors["milestones"] = str(e)
        if self.baseline is not None and self.pk:
            errors |= self._baseline_errors()
        if errors:
            raise ValidationError(errors)

    def _baseline_errors(self) -> dict[str, str]:
        """A count only rises: a baseline beyond the plan's first target cannot be
        where 2023 started (it would make 2023's task negative)."""
        if self.kind != self.Kind.CUMULATIVE:
            return {}
        first = self.targets.filter(year=PLAN_FIRST_YEAR).first()
        if first is None:
            return {}
        beyond = (
            self.baseline > first.value
            if self.higher_is_better
            else self.baseline < first.value
        )
        if not beyond:
            return {}
        return {
            "baseline": f"累计数只增不减：基期值{format_decimal(self.baseline)}已超过"
            f"2023年目标{first.display}，不可能是2022年底的数。"
        }


class Target(models.Model):
    """An indicator's target for one plan year, revisable with a recorded reason.

    Revisions are kept by django-simple-history: the earlier value, who changed it,
    when, and why (history_change_reason). The plan allows targets to be adjusted
    after policy evaluation (四、保障措施（二）).
    """

    class Comparator(models.TextChoices):
        EQ = "eq", "达到"
        GT = "gt", "大于"
        GE = "ge", "至少"

    SYMBOLS = {"eq": "", "gt": "＞", "ge": "≥"}

    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField("年度")
    comparator = models.CharField(
        "比较方式", max_length=2, choices=Comparator.choices, default=Comparator.EQ
    )
    value = models.DecimalField("目标值", max_digits=14, decimal_places=4)

    history = AuditTrail()

    class Meta:
        verbose_name = "年度目标"
        verbose_name_plural = "年度目标"
        ordering = ["indicator__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="target_one_per_indicator_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_FIRST_YEAR) & Q(year__lte=PLAN_LAST_YEAR),
                name="target_year_in_plan",
                violation_error_message="年度须在2023—2027年之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.year}年 {self.display}"

    @property
    def display(self) -> str:
        """Return the target as the plan writes it, comparator included: "＞220"."""
        return f"{self.SYMBOLS[self.comparator]}{format_decimal(self.value)}"

    def is_met_by(self, value: Decimal, *, direction: str = "higher") -> bool:
        """Return whether `value` satisfies this target.

        "eq" targets of higher-is-better indicators are met at or above the figure
        (reaching 85% coverage means 85% or more); "gt" needs strictly more.
        """
        if direction == Indicator.Direction.LOWER:
            return (
                value < self.value if self.comparator == "gt" else value <= self.value
            )
        if self.comparator == self.Comparator.GT:
            return value > self.value
        return value >= self.value


class PlanSettings(models.Model):
    """Admin-set parameters of the status rules (one row)."""

    warning_threshold = models.DecimalField(
        "预警阈值",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.10"),
        help_text="低于本月进度预期值、差距小于年度任务（年度目标减年初值）的该比例为"
        "“预警”，差距达到或超过该比例为“滞后”；0.10 即 10%。",
    )

    entry_deadline_day = models.PositiveSmallIntegerField(
        "填报截止日",
        default=5,
        help_text="每月数据须在次月该日（含）前报送，逾期标记为迟报。",
    )

    ranking_weight_items = models.DecimalField(
        "晾晒权重：事项按期完成", max_digits=4, decimal_places=2, default=Decimal("0.5")
    )
    ranking_weight_returns = models.DecimalField(
        "晾晒权重：按时报送", max_digits=4, decimal_places=2, default=Decimal("0.3")
    )
    ranking_weight_indicators = models.DecimalField(
        "晾晒权重：指标状态", max_digits=4, decimal_places=2, default=Decimal("0.2")
    )

    notice_praise_limit = models.PositiveSmallIntegerField(
        "通报表扬单位数上限",
        default=3,
        help_text="每期通报在区级部门、镇街两张榜单中各表扬得分最高的单位，至多该数；"
        "并列会超出上限时整组不列。有迟报、未报或逾期事项的单位不表扬。",
    )

    ranking_weight_hazards = models.DecimalField(
        "晾晒权重：危房无逾期",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0"),
        help_text="镇街危房台账中未逾期危房的比例计入晾晒的权重；0 为不计。",
    )

    # The plan fixes the towns' clocks (发现1个月内鉴定、6个月内治理); for rural
    # houses it says only "及时", so the district sets the periods here.
    hazard_rural_appraisal_months = models.PositiveSmallIntegerField(
        "农村危房鉴定时限（月）",
        default=1,
        help_text="农村危房自发现之日起须在该月数内完成鉴定。",
    )
    hazard_rural_remedy_months = models.PositiveSmallIntegerField(
        "农村危房整治时限（月）",
        default=6,
        help_text="农村危房自发现之日起须在该月数内完成整治。",
    )
    hazard_relief_months = models.PositiveSmallIntegerField(
        "困难家庭救助时限（月）",
        default=1,
        help_text="农村困难家庭危房自发现之日起须在该月数内救助到位。",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "系统参数"
        verbose_name_plural = "系统参数"
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_threshold__gt=0) & Q(warning_threshold__lt=1),
                name="warning_threshold_between_0_and_1",
                violation_error_message="预警阈值须在0与1之间。",
            ),
            models.CheckConstraint(
                condition=Q(ranking_weight_items__gte=0)
                & Q(ranking_weight_returns__gte=0)
                & Q(ranking_weight_indicators__gte=0)
                & Q(ranking_weight_hazards__gte=0),
                name="ranking_weights_not_negative",
                violation_error_message="晾晒权重不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(hazard_rural_appraisal_months__gte=1)
                & Q(hazard_rural_appraisal_months__lte=24)
                & Q(hazard_rural_remedy_months__gte=1)
                & Q(hazard_rural_remedy_months__lte=24)
                & Q(hazard_relief_months__gte=1)
                & Q(hazard_relief_months__lte=24),
                name="hazard_periods_in_range",
                violation_error_message="危房时限须在1至24个月之间。",
            ),
            models.CheckConstraint(
                condition=Q(entry_deadline_day__gte=1) & Q(entry_deadline_day__lte=28),
                name="entry_deadline_day_in_month",
                violation_error_message="填报截止日须在1至28日之间。",
            ),
        ]

    def __str__(self) -> str:
        return "系统参数"

    @classmethod
    def load(cls) -> "PlanSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class PlanNote(models.Model):
    """An admin's note on a place where the plan's text and tables disagree.

    The disagreements themselves are found from the plan's data (see
    indicators.selectors.plan_discrepancies); this row holds only what a person adds
    (which figure to follow, what was asked of whom), kept with its history.
    """

    key = models.CharField(
        "不一致之处", max_length=40, unique=True, help_text="如 worklist-2023-12。"
    )
    note = models.TextField("管理员说明", blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "方案不一致说明"
        verbose_name_plural = "方案不一致说明"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("dashboard:plan_inconsistencies") + f"#{self.key}"


class TargetSplit(models.Model):
    """A member unit's share of a summed indicator's target in one year (按镇街分解).

    Towns and platform companies report their own share of 老旧小区, 未来社区 and
    加装电梯; with a split, the 晾晒 judges a town on its own figures against its
    own share instead of leaving its indicator part out. The shares of a year may
    not add up to more than the district's target (indicators.services).
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        on_delete=models.CASCADE,
        related_name="splits",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="单位",
        on_delete=models.PROTECT,
        related_name="target_splits",
    )
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("分解目标", max_digits=14, decimal_places=4)
    start = models.DecimalField(
        "起点值",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="该单位上年末的累计数；只在没有上年12月实际数和上年分解目标时使用"
        "（如2023年）。",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "目标分解"
        verbose_name_plural = "目标分解"
        ordering = ["indicator__code", "year", "unit__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="split_one_per_unit_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_FIRST_YEAR) & Q(year__lte=PLAN_LAST_YEAR),
                name="split_year_in_plan",
                violation_error_message="年度须在2023—2027年之间。",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="split_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.year}年 {self.unit}：{self.display}"

    @property
    def display(self) -> str:
        return format_decimal(self.value)
