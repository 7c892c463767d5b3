from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

PLAN_FIRST_YEAR = 2023
PLAN_LAST_YEAR = 2027
PLAN_YEARS = range(PLAN_FIRST_YEAR, PLAN_LAST_YEAR + 1)


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

    history = HistoricalRecords()

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
        return reverse("indicators:detail", args=[self.code])


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

    history = HistoricalRecords()

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


def format_decimal(value: Decimal) -> str:
    """Return a Decimal without trailing zeros: 1.4475000 → "1.4475", 30.0 → "30"."""
    return f"{value.normalize():f}"
