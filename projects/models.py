import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from projects.kinds import KIND_CHOICES, KINDS, Kind
from units.models import Unit
from yuecheng_housing.lib.audit import AuditTrail
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR


class Project(models.Model):
    """One project of a ledger (项目台账): a 小区 renovated, an address's lifts, a
    保租房 project, a 未来社区, an award-winning building, a 特色村.

    Written only through projects.services, which validates, scopes to the
    user's units and keeps the history. `stage` and `counted_on` are derived from
    its stage rows by that service, so that lists filter and counts sum on one
    table.
    """

    class Raising(models.TextChoices):
        BUILD = "build", "新建"
        CONVERT = "convert", "改建"
        RENOVATE = "renovate", "改造"
        TRANSFORM = "transform", "转化"

    class Setting(models.TextChoices):
        URBAN = "urban", "城镇"
        RURAL = "rural", "乡村"

    class AwardLevel(models.TextChoices):
        COUNTY = "county", "县级"
        CITY = "city", "市级"
        PROVINCE = "province", "省级"
        NATION = "nation", "国家级"

    kind = models.CharField("台账", max_length=12, choices=KIND_CHOICES)
    name = models.CharField("名称", max_length=200)
    # The name as compared for duplicates (hazards.services.address_key).
    name_key = models.CharField("名称比对值", max_length=200, editable=False)
    town = models.ForeignKey(
        Unit,
        verbose_name="镇街/平台",
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind__in": [Unit.Kind.TOWN, Unit.Kind.COMPANY]},
    )
    year = models.PositiveSmallIntegerField("年度计划")
    quantity = models.PositiveIntegerField("数量", default=1)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    buildings = models.PositiveIntegerField("楼栋数", null=True, blank=True)
    raising = models.CharField(
        "筹集方式", max_length=10, choices=Raising.choices, blank=True
    )
    setting = models.CharField(
        "类型", max_length=5, choices=Setting.choices, blank=True
    )
    award_level = models.CharField(
        "奖项级别", max_length=10, choices=AwardLevel.choices, blank=True
    )
    planned_investment = models.DecimalField(
        "计划投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    spent_investment = models.DecimalField(
        "已完成投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField("资金来源", max_length=100, blank=True)
    note = models.TextField("备注", max_length=2000, blank=True)
    # Derived by the service from the stage rows.
    stage = models.CharField("当前阶段", max_length=12, blank=True)
    counted_on = models.DateField("计入指标日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目台账"
        ordering = ["kind", "town__position", "year", "pk"]
        indexes = [
            models.Index(fields=["kind", "year", "town"]),
            # Covers the count (projects.counts.ledger_counts): on PostgreSQL
            # it is read from the index alone, not from 300 000 rows' pages.
            models.Index(
                fields=["kind", "counted_on"],
                include=["town", "quantity"],
                name="project_count_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "name_key"],
                name="project_one_name_per_kind_year",
                violation_error_message="同一年度已登记同名项目。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_FIRST_YEAR) & Q(year__lte=PLAN_LAST_YEAR),
                name="project_year_in_plan",
                violation_error_message="年度须在2023—2027年之间。",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="project_quantity_positive",
                violation_error_message="数量至少为1。",
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__isnull=True)
                | Q(planned_investment__gte=0),
                name="project_planned_investment_not_negative",
                violation_error_message="计划投资不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(spent_investment__isnull=True) | Q(spent_investment__gte=0),
                name="project_spent_investment_not_negative",
                violation_error_message="已完成投资不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.kind, self.pk])

    @property
    def kind_spec(self) -> Kind:
        return KINDS[self.kind]

    @property
    def stage_label(self) -> str:
        return self.kind_spec.stage_label(self.stage) or "未开始"


class ProjectStage(models.Model):
    """A stage of a project: when it is planned to be reached, and when it was."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="stages"
    )
    stage = models.CharField("阶段", max_length=12)
    planned_on = models.DateField("计划日期", null=True, blank=True)
    reached_on = models.DateField("完成日期", null=True, blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "项目阶段"
        verbose_name_plural = "项目阶段"
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage"], name="project_stage_once"
            ),
            models.CheckConstraint(
                condition=Q(planned_on__isnull=False) | Q(reached_on__isnull=False),
                name="project_stage_has_a_date",
                violation_error_message="阶段须填写计划日期或完成日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.project.kind_spec.stage_label(self.stage)}"


def project_file_path(instance: "ProjectFile", filename: str) -> str:
    # Stored under a generated name: the uploaded name is kept only as data.
    return f"projects/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class ProjectFile(models.Model):
    """A photo before or after the work, or a document (批复, 验收报告), kept with
    a project. Checked by content as the returns' evidence is
    (lib.evidence.evidence_save) and served only to whoever may see the project."""

    class Category(models.TextChoices):
        BEFORE = "before", "改造前照片"
        AFTER = "after", "改造后照片"
        DOCUMENT = "document", "文件资料"

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="files"
    )
    category = models.CharField("类别", max_length=10, choices=Category.choices)
    file = models.FileField("文件", upload_to=project_file_path)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "项目照片和资料"
        verbose_name_plural = "项目照片和资料"
        ordering = ["project", "category", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_photo(self) -> bool:
        return self.content_type.startswith("image/")


class LedgerYear(models.Model):
    """An admin's decision that a ledger drives its indicator in a year: from
    then on the figure judged is counted from the ledger (projects.counts), and
    the units' typed figures are shown beside it as their claim."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        on_delete=models.CASCADE,
        related_name="ledger_years",
    )
    year = models.PositiveSmallIntegerField("年度")
    drives = models.BooleanField("按台账计数", default=True)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    history = AuditTrail()

    class Meta:
        verbose_name = "台账计数年度"
        verbose_name_plural = "台账计数年度"
        ordering = ["indicator__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="ledger_year_once"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_FIRST_YEAR) & Q(year__lte=PLAN_LAST_YEAR),
                name="ledger_year_in_plan",
                violation_error_message="年度须在2023—2027年之间。",
            ),
        ]

    def __str__(self) -> str:
        state = "按台账计数" if self.drives else "按填报数"
        return f"{self.indicator.name} {self.year}年 {state}"
