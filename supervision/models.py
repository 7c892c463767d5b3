import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from units.models import Unit
from yuecheng_housing.lib.audit import AuditTrail


class SupervisionItem(models.Model):
    """A 督办事项: an ad-hoc task from a meeting, a leader's 批示 or a 督查 finding,
    assigned to a lead unit (and co-responsible units) with a deadline.

    Written only through supervision.services, one function per transition, each
    locking the row, checking the state and the version, and leaving its history
    and an event; its light (正常/临期/逾期/…) is supervision.lights.light's.
    """

    class Source(models.TextChoices):
        MEETING = "meeting", "工作例会"
        INSTRUCTION = "instruction", "领导批示"
        INSPECTION = "inspection", "督查发现"
        PUBLIC = "public", "群众反映"
        OTHER = "other", "其他"

    class State(models.TextChoices):
        ASSIGNED = "assigned", "交办"
        IN_PROGRESS = "in_progress", "办理中"
        APPLIED = "applied", "申请办结"
        CLOSED = "closed", "已办结"
        CANCELLED = "cancelled", "已撤销"

    source = models.CharField("来源", max_length=12, choices=Source.choices)
    title = models.CharField("事项名称", max_length=200)
    text = models.TextField("督办内容", max_length=4000, blank=True)
    assigned_on = models.DateField("交办日期")
    deadline = models.DateField("办结期限")
    state = models.CharField(
        "状态", max_length=12, choices=State.choices, default=State.ASSIGNED
    )
    # The day of the unit's pending 申请办结 (cleared when it is sent back), and the
    # day of the one accepted: whether an item was closed on time is read from
    # the unit's application, not from when the office got round to accepting it.
    applied_on = models.DateField("申请办结日期", null=True, blank=True)
    finished_on = models.DateField("办结（申请）日期", null=True, blank=True)
    closed_on = models.DateField("验收日期", null=True, blank=True)
    cancelled_on = models.DateField("撤销日期", null=True, blank=True)
    # A pending 延期申请: the day asked for and why.
    extension_until = models.DateField("申请延期至", null=True, blank=True)
    extension_reason = models.TextField("延期理由", max_length=2000, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="交办人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["state", "deadline"])]
        permissions = [("assign_item", "可以交办和验收督办事项")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("assigned_on")),
                name="supervision_deadline_not_before_assignment",
                violation_error_message="办结期限不能早于交办日期。",
            ),
            models.CheckConstraint(
                condition=Q(state="closed", finished_on__isnull=False)
                | (~Q(state="closed") & Q(finished_on__isnull=True)),
                name="supervision_closed_has_finish_day",
                violation_error_message="已办结的事项须有办结日期。",
            ),
            models.CheckConstraint(
                condition=Q(state="applied", applied_on__isnull=False)
                | (~Q(state="applied") & Q(applied_on__isnull=True)),
                name="supervision_applied_has_day",
                violation_error_message="申请办结的事项须有申请日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision:detail", args=[self.pk])


class SupervisionUnit(models.Model):
    """A unit responsible for an item, in order: position 0 leads (牵头), the others
    are co-responsible (配合)."""

    item = models.ForeignKey(
        SupervisionItem,
        verbose_name="督办事项",
        on_delete=models.CASCADE,
        related_name="responsible",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="supervision_items",
    )
    position = models.PositiveSmallIntegerField("顺序")

    class Meta:
        verbose_name = "督办责任单位"
        verbose_name_plural = "督办责任单位"
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit"], name="supervision_unit_once_per_item"
            ),
            models.UniqueConstraint(
                fields=["item", "position"], name="supervision_unit_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}：{self.unit}"

    @property
    def role(self) -> str:
        return "牵头" if self.position == 0 else "配合"


class SupervisionEvent(models.Model):
    """One step of an item's story, as the detail page tells it: who did what, when
    and why. Written by the service of each transition, never edited."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", "交办"
        RECEIVE = "receive", "签收"
        APPLY = "apply", "申请办结"
        ACCEPT = "accept", "办结"
        SEND_BACK = "send_back", "退回"
        EXTENSION_ASK = "extension_ask", "延期申请"
        EXTENSION_GRANT = "extension_grant", "同意延期"
        EXTENSION_REFUSE = "extension_refuse", "不同意延期"
        CANCEL = "cancel", "撤销"
        URGE = "urge", "催办"

    item = models.ForeignKey(
        SupervisionItem,
        verbose_name="督办事项",
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField("环节", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    on = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField("说明", max_length=4000, blank=True)
    # What the step left behind: the notices and the ranking of a past month read
    # the item as it stood then from these.
    state_after = models.CharField(
        "办理后状态", max_length=12, choices=SupervisionItem.State.choices
    )
    deadline_after = models.DateField("办理后期限")
    requested_until = models.DateField("申请延期至", null=True, blank=True)
    automatic = models.BooleanField("系统自动", default=False)
    # A 催办 goes out with the next reminders run; this is the day it went.
    mailed_on = models.DateField("邮件发送日期", null=True, blank=True)

    # No history of its own: the events are the item's audit trail, written once
    # (a 催办's mailed_on is filled in when its mail goes), and the item's every
    # change is also in the item's history.

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["item", "at", "pk"]
        indexes = [models.Index(fields=["kind", "mailed_on"])]

    def __str__(self) -> str:
        return f"{self.item}：{self.get_kind_display()}"


def supervision_evidence_path(instance: "SupervisionEvidence", filename: str) -> str:
    # Stored under a generated name: the uploaded name is kept only as data.
    return f"supervision/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class SupervisionEvidence(models.Model):
    """A file kept with an item: the assignment's attachment (交办附件) or a unit's
    evidence with its 申请办结 or 延期申请."""

    item = models.ForeignKey(
        SupervisionItem,
        verbose_name="督办事项",
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    event = models.ForeignKey(
        SupervisionEvent,
        verbose_name="环节",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=supervision_evidence_path)
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
        verbose_name = "督办材料"
        verbose_name_plural = "督办材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class SupervisionSettings(models.Model):
    """The admin's parameters of supervision items (one row)."""

    due_soon_days = models.PositiveSmallIntegerField(
        "临期提醒天数",
        default=3,
        help_text="办结期限前该天数内（含期限当天）亮黄灯“临期”；期限次日起亮红灯“逾期”。",
    )
    ranking_weight = models.DecimalField(
        "晾晒权重：督办事项按期办结",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0"),
        help_text="督办事项按期办结的比例计入晾晒的权重；0 为不计（默认）。",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "督办参数"
        verbose_name_plural = "督办参数"
        constraints = [
            models.CheckConstraint(
                condition=Q(ranking_weight__gte=0),
                name="supervision_weight_not_negative",
                violation_error_message="晾晒权重不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(due_soon_days__lte=60),
                name="supervision_due_soon_days_at_most_60",
                violation_error_message="临期提醒天数不能超过60天。",
            ),
        ]

    def __str__(self) -> str:
        return "督办参数"

    @classmethod
    def load(cls) -> "SupervisionSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row
