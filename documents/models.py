"""Issued 通报: numbered documents frozen as they were signed.

A notice is drafted live from the month's judgement (dashboard.ranking); issuing
it stores a copy of every figure, list and sentence (`snapshot`), which never
changes afterwards. A correction or a withdrawal is a new, numbered issue that
names the one it replaces and why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from yuecheng_housing.lib.audit import AuditTrail

DEFAULT_ORGAN = "越城区公共服务“七优享”工程工作专班办公室"


class NoticeLetterhead(models.Model):
    """What every issued notice is headed and addressed with (one row)."""

    masthead = models.CharField(
        "发文机关标志",
        max_length=40,
        default="越城区“住有宜居”工作专班",
        help_text="红色套头，居中印在首页上方。",
    )
    recipients = models.CharField("主送", max_length=200, default="各责任单位")
    copies = models.CharField(
        "抄送",
        max_length=300,
        default="区委办，区政府办，区公共服务“七优享”工程领导小组成员单位",
    )
    issuer = models.CharField("印发机关", max_length=60, default=DEFAULT_ORGAN)
    signature = models.CharField(
        "落款", max_length=60, default=DEFAULT_ORGAN, help_text="正文末尾署名。"
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "通报版头"
        verbose_name_plural = "通报版头"

    def __str__(self) -> str:
        return "通报版头"

    @classmethod
    def load(cls) -> "NoticeLetterhead":
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class IssuedNotice(models.Model):
    class Kind(models.TextChoices):
        ISSUE = "issue", "通报"
        CORRECTION = "correction", "更正"
        WITHDRAWAL = "withdrawal", "撤销"

    year = models.PositiveSmallIntegerField(
        "年份", help_text="期号所属年份（印发年份）。"
    )
    number = models.PositiveSmallIntegerField("期号")
    kind = models.CharField("类型", max_length=12, choices=Kind, default=Kind.ISSUE)
    period = models.DateField("通报月份", help_text="所通报月份的1日。")
    issued_on = models.DateField("印发日期")
    foreword = models.TextField("按语", blank=True)
    instruction = models.TextField("领导批示", blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="更正或撤销的通报",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    reason = models.TextField("更正或撤销原因", blank=True)
    # Every figure, list and sentence as issued, with the letterhead of the day:
    # the page, the .docx and the PDF are all printed from it.
    snapshot = models.JSONField("签发内容")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)

    history = AuditTrail()

    class Meta:
        verbose_name = "已签发通报"
        verbose_name_plural = "已签发通报"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                name="issued_notice_number_once_a_year",
                violation_error_message="该期号已被使用。",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(kind="issue"),
                name="issued_notice_once_a_month",
                violation_error_message="该月通报已签发。",
            ),
            models.CheckConstraint(
                condition=Q(kind="issue", replaces__isnull=True)
                | (~Q(kind="issue") & Q(replaces__isnull=False) & ~Q(reason="")),
                name="issued_notice_replacement_has_reason",
                violation_error_message="更正或撤销须注明所替代的通报和原因。",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("dashboard:issued_notice", args=[self.pk])

    @property
    def label(self) -> str:
        """期号 as printed: 2026年第11期."""
        return f"{self.year}年第{self.number}期"


class NoticeFile(models.Model):
    """An issued notice's .docx or PDF, made once and kept: a notice never
    changes, and LibreOffice takes seconds to make a PDF.

    Kept per layout version (documents.docx.LAYOUT_VERSION), so that a change of
    layout makes the files anew. No history: a file is made from the frozen copy
    and can be made again identically; the copy itself is audited.
    """

    class Format(models.TextChoices):
        DOCX = "docx", "Word"
        PDF = "pdf", "PDF"

    notice = models.ForeignKey(
        IssuedNotice,
        verbose_name="通报",
        on_delete=models.CASCADE,
        related_name="files",
    )
    format = models.CharField("格式", max_length=4, choices=Format)
    layout = models.PositiveSmallIntegerField("版式版本")
    content = models.BinaryField("文件内容")
    made_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "通报文件"
        verbose_name_plural = "通报文件"
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "format", "layout"],
                name="notice_file_once_per_layout",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}.{self.format}"
