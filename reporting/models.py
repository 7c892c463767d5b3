import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from indicators.models import Indicator
from tasks.models import ChecklistItem
from units.models import Unit
from yuecheng_housing.lib.audit import AuditTrail
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import period_label


class ReportedLine(models.Model):
    """A line of a unit's monthly return, with who last wrote it and its version.

    `version` rises on every change; a writer that saw an older version is refused
    (yuecheng_housing.errors.check_version) instead of overwriting.
    """

    version = models.PositiveIntegerField("版本", default=1)
    warnings = models.TextField(
        "填报时确认的提示",
        blank=True,
        help_text="看来异常、填报人已确认的提示（如“是上月的10倍以上”），供审核参考。",
    )
    # Set by the services from their `now`, so that a back-dated entry (demo data,
    # an import of last year's returns) records when it says it was made.
    updated_at = models.DateTimeField("填报时间", default=timezone.now)
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

    The report carries the review state, moved only by `reporting.transitions`: a
    reporter saves a draft and submits (or withdraws before review); the admin
    approves (which locks the month) or sends it back with a comment. `version`
    rises on every transition so that a stale review form is refused.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报送待审核"
        SENT_BACK = "sent_back", "已退回"
        APPROVED = "approved", "已审核"

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="reports"
    )
    period = models.DateField("月份", help_text="该月的第一天。")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(
        "报送时间",
        null=True,
        blank=True,
        help_text="首次报送的时间，据此判断是否迟报；退回后重报不改变，撤回则清空。",
    )
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

    history = AuditTrail()

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
        return f"{self.unit} {period_label(self.period)}"

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
    # Where returns were kept on disk until migration 0002 (which still names it).
    return f"returns/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ReturnImport(models.Model):
    """An uploaded return (.xlsx): kept, hashed, previewed, then imported or not.

    The file itself is kept in the row (at most 10 MB): it is written in the same
    transaction as its record, so a failed or killed import leaves nothing behind,
    and a database backup holds every return.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        PREVIEW = "preview", "待确认"
        IMPORTED = "imported", "已导入"
        FAILED = "failed", "有错误，未导入"
        DUPLICATE = "duplicate", "重复文件，未改动"

    class Action(models.TextChoices):
        PREVIEW = "preview", "预览"
        COMMIT = "commit", "导入"

    content = models.BinaryField("文件内容", editable=False, default=b"")
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
    # Files uploaded together are previewed, then imported, together.
    batch = models.UUIDField("批次", null=True, blank=True, db_index=True)
    action = models.CharField(
        "操作", max_length=10, choices=Action.choices, default=Action.PREVIEW
    )
    then_submit = models.BooleanField("导入后报送审核", default=False)
    task_id = models.CharField("后台任务", max_length=64, blank=True, editable=False)
    rows_read = models.PositiveIntegerField("已读行数", default=0)
    rows_written = models.PositiveIntegerField("已写行数", default=0)
    # What the preview or the import found, kept for the page (reporting.import_jobs).
    outcome = models.JSONField("结果", default=dict, blank=True, editable=False)
    # The version of every row the preview read: the import refuses rows changed
    # since (reporting.returns_import.Seen).
    seen = models.JSONField("预览时的版本", default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = "报表导入记录"
        verbose_name_plural = "报表导入记录"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class IndicatorValue(ReportedLine):
    """A unit's reported value of an indicator for one month (its report's month).

    Cumulative indicators are reported as the total to date since the plan began.
    Never updated with QuerySet.update(): every change goes through the service so
    that django-simple-history records who, when, old → new and why.
    """

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name="月度报送",
        on_delete=models.PROTECT,
        related_name="values",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField("本期数值", max_digits=14, decimal_places=4)
    note = models.TextField("说明", max_length=2000, blank=True)
    decrease_reason = models.TextField(
        "下降原因", max_length=2000, blank=True, help_text="累计数低于上月时必填。"
    )
    needs_review = models.BooleanField("需重点审核", default=False)

    history = AuditTrail()

    class Meta:
        verbose_name = "指标填报值"
        verbose_name_plural = "指标填报值"
        ordering = ["report__period", "indicator__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="value_one_per_report_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.report}：{format_decimal(self.value)}"


class DistrictValue(models.Model):
    """The district's figure of an indicator for a month, derived from unit values.

    Kept by the reporting service whenever a value or a report's review state
    changes, so that the dashboard reads at most 14 × 12 rows for a year however
    many units and months the database holds. `value` counts approved reports
    only; `pending_value` also counts those submitted and not yet approved.
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        on_delete=models.CASCADE,
        related_name="district_values",
    )
    period = models.DateField("月份")
    value = models.DecimalField(
        "全区数值（已审核）", max_digits=16, decimal_places=4, null=True
    )
    pending_value = models.DecimalField(
        "全区数值（含待审核）", max_digits=16, decimal_places=4, null=True
    )
    units_reported = models.PositiveIntegerField("已审核单位数", default=0)
    units_pending = models.PositiveIntegerField("待审核单位数", default=0)
    units_expected = models.PositiveIntegerField("应报单位数", default=0)

    class Meta:
        verbose_name = "全区月度数值"
        verbose_name_plural = "全区月度数值"
        ordering = ["indicator__code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], name="district_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name} {period_label(self.period)}"


class ItemProgress(ReportedLine):
    """A unit's progress on a checklist item, as reported for one month.

    Each responsible unit keeps its own status on the same item; the item's
    overall status is the lead unit's. Never updated with QuerySet.update().
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已完成"

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name="月度报送",
        on_delete=models.PROTECT,
        related_name="item_progress",
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name="工作清单事项",
        on_delete=models.PROTECT,
        related_name="progress",
    )
    status = models.CharField(
        "进展状态", max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    completed_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("说明", max_length=2000, blank=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "事项进展"
        verbose_name_plural = "事项进展"
        ordering = ["report__period", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "item"], name="progress_one_per_report_item"
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False)
                | ~Q(status="done"),
                name="progress_done_has_date",
                violation_error_message="已完成的事项须填写完成日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.report}：{self.get_status_display()}"


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under a generated name: the uploaded name is kept only as data.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file attached to an item's progress (PDF, image, Office document)."""

    progress = models.ForeignKey(
        ItemProgress,
        verbose_name="事项进展",
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=evidence_path)
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
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
