import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Unit(models.Model):
    """A responsible unit (责任单位) of the plan, or a group of them.

    附件1 lists 23 named units and two groups (各镇街, 各平台公司). A group counts as
    one responsible unit on a key task; an admin adds its members (府山街道 under
    各镇街), and each member reports for itself.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "区级单位"
        GROUP = "group", "单位组"
        TOWN = "town", "镇街"
        COMPANY = "company", "平台公司"

    name = models.CharField("名称", max_length=50, unique=True)
    kind = models.CharField(
        "类别", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="所属单位组",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": Kind.GROUP},
    )
    position = models.PositiveSmallIntegerField(
        "排序", default=0, help_text="附件1名单中的顺序；成员单位在组内排序。"
    )
    aliases = models.CharField(
        "别名",
        max_length=200,
        blank=True,
        help_text="报表中可能出现的其他写法，用顿号或逗号分隔，如“建设局”。",
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        related_name="units",
        blank=True,
    )
    is_active = models.BooleanField("在用", default=True)
    contact_emails = models.CharField(
        "联络人邮箱",
        max_length=500,
        blank=True,
        help_text="到期提醒发送到这些地址，用逗号分隔。",
    )

    history = HistoricalRecords(excluded_fields=["users"])

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(kind="group"),
                name="unit_group_has_no_parent",
                violation_error_message="单位组不能再隶属于其他单位组。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "单位不能隶属于自己。"}, code="self")
            if self.parent.kind != Unit.Kind.GROUP:
                raise ValidationError(
                    {"parent": f"“{self.parent}”不是单位组，不能添加成员单位。"},
                    code="parent_not_group",
                )
        if self.kind == Unit.Kind.GROUP and self.parent_id is not None:
            raise ValidationError(
                {"parent": "单位组不能再隶属于其他单位组。"}, code="nested_group"
            )

    @property
    def is_group(self) -> bool:
        return self.kind == Unit.Kind.GROUP


class ReportedLine(models.Model):
    """A line of a unit's monthly return, with who last wrote it and its version.

    `version` rises on every change; a writer that saw an older version is refused
    (yuecheng_housing.errors.check_version) instead of overwriting.
    """

    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("填报时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class MonthlyReport(models.Model):
    """A unit's return for one month: its indicator values and item progress.

    The report carries the review state: a reporter saves a draft and submits; the
    admin approves (which locks the month) or returns it with a comment. `version`
    rises on every save so that a stale form is refused instead of overwriting.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报送待审核"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已审核"

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="reports"
    )
    period = models.DateField("月份", help_text="该月的第一天。")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField("审核意见", blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "月度报送"
        verbose_name_plural = "月度报送"
        ordering = ["-period", "unit__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"], name="report_one_per_unit_month"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="report_period_is_first_of_month"
            ),
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.period:%Y-%m}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class ReminderLog(models.Model):
    """A deadline reminder sent to a unit; at most one per unit and day."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="reminders"
    )
    sent_on = models.DateField("发送日期")
    recipients = models.CharField("收件人", max_length=500)
    body = models.TextField("内容")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "到期提醒记录"
        verbose_name_plural = "到期提醒记录"
        ordering = ["-sent_on", "unit__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "sent_on"], name="reminder_once_per_unit_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.sent_on}"


def return_file_path(instance: "ReturnImport", filename: str) -> str:
    # Never the uploaded name: "../../x.xlsx" must not choose where a file lands.
    return f"returns/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ReturnImport(models.Model):
    """An uploaded return (.xlsx): kept, hashed, previewed, then imported or not."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "待确认"
        IMPORTED = "imported", "已导入"
        FAILED = "failed", "有错误，未导入"
        DUPLICATE = "duplicate", "重复文件，未改动"

    file = models.FileField("文件", upload_to=return_file_path)
    file_name = models.CharField("原文件名", max_length=255)
    sha256 = models.CharField("内容哈希", max_length=64, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    created = models.PositiveIntegerField("新增", default=0)
    changed = models.PositiveIntegerField("修改", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    failed = models.PositiveIntegerField("错误", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "报表导入记录"
        verbose_name_plural = "报表导入记录"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"
