"""年度考核: the year's scheme, the adjustments entered by hand, the published
result (frozen) and what happens to it afterwards (objections, corrections).

The score itself is not stored while the year is open: it is computed from the
ranking's facts (assessment/parts.py) every time it is asked for. Publishing
freezes every part, fact and score in `AssessmentResult.snapshot`; from then on
the snapshot changes only through a `Correction`, which records why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from yuecheng_housing.lib.audit import AuditTrail

DEPARTMENTS, TOWNS = "departments", "towns"  # as dashboard.ranking.list_of


class ListKind(models.TextChoices):
    DEPARTMENTS = DEPARTMENTS, "区级部门"
    TOWNS = TOWNS, "镇街及平台公司"


class Scheme(models.Model):
    """The parts and weights one list is assessed on in a year (total 100)."""

    year = models.PositiveSmallIntegerField("考核年度")
    list_kind = models.CharField("榜单", max_length=12, choices=ListKind.choices)
    # {part key: weight}: the parts are a registry (assessment/parts.py), so a
    # new part (督办事项) needs no new column.
    weights = models.JSONField("各部分权重", default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设定人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("设定时间", auto_now=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "list_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "list_kind"],
                name="assessment_scheme_once_per_list_and_year",
                violation_error_message="该年度该榜单已有考核方案。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.get_list_kind_display()}考核方案"


class Adjustment(models.Model):
    """A bonus, a deduction or a 一票否决 entered by an admin, with its reason."""

    class Kind(models.TextChoices):
        BONUS = "bonus", "加分"
        DEDUCTION = "deduction", "扣分"
        VETO = "veto", "一票否决"

    class Category(models.TextChoices):
        EXEMPLARY = "exemplary", "典型示范"
        PRAISED = "praised", "上级肯定"
        SUMMONED = "summoned", "约谈"
        CRITICISED = "criticised", "通报批评"
        OTHER = "other", "其他"

    year = models.PositiveSmallIntegerField("考核年度")
    unit = models.ForeignKey(
        "units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    category = models.CharField("事由类别", max_length=12, choices=Category.choices)
    points = models.DecimalField("分值", max_digits=4, decimal_places=1, default=0)
    reason = models.TextField("理由")
    evidence = models.CharField(
        "依据", max_length=200, help_text="文号、会议纪要或批示名称等，可据以查证。"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "考核加减分及否决"
        verbose_name_plural = "考核加减分及否决"
        ordering = ["year", "unit_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(evidence=""),
                name="assessment_adjustment_has_reason_and_evidence",
                violation_error_message="加分、扣分和一票否决须写明理由和依据。",
            ),
            models.CheckConstraint(
                condition=(Q(kind="veto") & Q(points=0))
                | (~Q(kind="veto") & Q(points__gt=0)),
                name="assessment_adjustment_points_fit_kind",
                violation_error_message="加分、扣分的分值须大于0；一票否决不计分值。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.unit} {self.get_kind_display()}"


class AssessmentResult(models.Model):
    """A year's published result: every part, fact and score, frozen."""

    year = models.PositiveSmallIntegerField("考核年度", unique=True)
    as_of = models.DateField("数据截至")
    published_on = models.DateField("发布日期")
    objection_days = models.PositiveSmallIntegerField(
        "异议期（天）", default=7, help_text="发布之日起该天数内，单位可提出异议。"
    )
    snapshot = models.JSONField("考核结果")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objection_days__gte=1) & Q(objection_days__lte=60),
                name="assessment_objection_days_1_to_60",
                violation_error_message="异议期须在1至60天之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度考核结果"

    def get_absolute_url(self) -> str:
        return reverse("assessment:table", args=[self.year])


class Objection(models.Model):
    """A unit's 异议 to its published sheet, and the admin's answer."""

    result = models.ForeignKey(
        AssessmentResult,
        verbose_name="考核结果",
        on_delete=models.PROTECT,
        related_name="objections",
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("异议内容")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField("提出时间", auto_now_add=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "考核异议"
        verbose_name_plural = "考核异议"
        ordering = ["result", "filed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(answered_at__isnull=True) & Q(answer=""))
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="assessment_objection_answer_complete",
                violation_error_message="答复须有内容和时间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}对{self.result}的异议"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class Correction(models.Model):
    """A change to a published result, with its reason: the only path by which
    the frozen snapshot changes."""

    result = models.ForeignKey(
        AssessmentResult,
        verbose_name="考核结果",
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    objection = models.ForeignKey(
        Objection,
        verbose_name="所答复的异议",
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
    )
    # What changed: a part's share ("part:returns"), "bonus", "deduction", "veto".
    field = models.CharField("更正项目", max_length=40)
    before = models.JSONField("更正前")
    after = models.JSONField("更正后")
    reason = models.TextField("更正理由")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更正人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    made_at = models.DateTimeField("更正时间", auto_now_add=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "考核结果更正"
        verbose_name_plural = "考核结果更正"
        ordering = ["result", "made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="assessment_correction_has_reason",
                violation_error_message="更正须写明理由。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result}更正：{self.unit}"
