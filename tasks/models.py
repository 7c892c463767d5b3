from django.conf import settings
from django.db import models
from django.db.models import Q

from units.models import Unit
from yuecheng_housing.lib.audit import AuditTrail


class Section(models.Model):
    """A heading of 三、重点任务: （一）加快完善住房保障体系 … （四）."""

    number = models.PositiveSmallIntegerField("序号", unique=True)
    title = models.CharField("标题", max_length=50)
    text = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "任务板块"
        verbose_name_plural = "任务板块"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.title


class KeyTask(models.Model):
    """One of the 11 key tasks (重点任务), carried by its responsible units."""

    number = models.PositiveSmallIntegerField("序号", unique=True)
    section = models.ForeignKey(
        Section, verbose_name="板块", on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField("标题", max_length=50)
    text = models.TextField("任务内容")
    units = models.ManyToManyField(
        Unit,
        verbose_name="责任单位",
        through="Responsibility",
        related_name="key_tasks",
    )

    class Meta:
        verbose_name = "重点任务"
        verbose_name_plural = "重点任务"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Responsibility(models.Model):
    """A unit named on a key task; position 1 is the lead unit (牵头单位)."""

    key_task = models.ForeignKey(
        KeyTask,
        verbose_name="重点任务",
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    position = models.PositiveSmallIntegerField("排位")

    class Meta:
        verbose_name = "责任分工"
        verbose_name_plural = "责任分工"
        ordering = ["key_task__number", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_task", "unit"], name="responsibility_unit_once_per_task"
            ),
            models.UniqueConstraint(
                fields=["key_task", "position"], name="responsibility_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="responsibility_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_task} · {self.unit}（{self.role_label}）"

    @property
    def is_lead(self) -> bool:
        return self.position == 1

    @property
    def role_label(self) -> str:
        return "牵头" if self.is_lead else "配合"


class WorkList(models.Model):
    """A year's work list (工作清单); 2023's is 附件2, later years are added as data."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("标题", max_length=100)

    history = AuditTrail()

    class Meta:
        verbose_name = "年度工作清单"
        verbose_name_plural = "年度工作清单"
        ordering = ["year"]

    def __str__(self) -> str:
        return self.title


class WorkListEntry(models.Model):
    """An annual indicator of a work list, linked to a plan indicator where one matches.

    Its own record because it may measure something other than the five-year table
    (老旧小区: 2023 starts vs cumulative renovations); see docs/domain.md.
    """

    work_list = models.ForeignKey(
        WorkList,
        verbose_name="工作清单",
        on_delete=models.CASCADE,
        related_name="entries",
    )
    seq = models.PositiveSmallIntegerField("序号")
    name = models.CharField("指标名称", max_length=100)
    # Blank where the plan writes none: 附件2 gives entry 1 as "1.44" with no unit,
    # and the product does not add one (the table's 万套（间） is the indicator's).
    unit_of_measure = models.CharField(
        "计量单位", max_length=20, blank=True, help_text="方案未写单位的留空。"
    )
    target = models.DecimalField("年度目标", max_digits=14, decimal_places=4)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name="对应方案指标",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_list_entries",
    )
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name="承载的重点任务",
        on_delete=models.PROTECT,
        related_name="work_list_entries",
    )
    note = models.TextField(
        "口径说明",
        blank=True,
        help_text="与五年目标表口径不同之处（如当年开工数与累计数）。",
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "工作清单指标"
        verbose_name_plural = "工作清单指标"
        ordering = ["work_list__year", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_list", "seq"], name="entry_seq_unique_per_list"
            ),
        ]

    def __str__(self) -> str:
        # "2023-10" would read as a month: the 10th entry of 2023's list.
        return f"{self.work_list.year}年第{self.seq}项 {self.name}"


class ChecklistItem(models.Model):
    """A checklist item (工作清单事项) with its deadline (完成期限).

    `deadline` is the date it is due by; `deadline_label` is the phrase as the plan
    writes it ("6月底前", "4月中旬" — mid-month is due by the 20th).
    """

    entry = models.ForeignKey(
        WorkListEntry,
        verbose_name="工作清单指标",
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField("排序")
    text = models.CharField("工作内容", max_length=300)
    deadline = models.DateField("完成期限（日期）")
    deadline_label = models.CharField("完成期限（原文）", max_length=20)
    # 销号: an admin takes an unfinished item off the books with a reason; from
    # that day it is neither overdue nor done (tasks.services.item_close).
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_reason = models.TextField("销号理由", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    units = models.ManyToManyField(
        Unit,
        verbose_name="事项责任单位",
        through="ItemResponsibility",
        related_name="checklist_items",
        blank=True,
    )

    history = AuditTrail()

    class Meta:
        verbose_name = "工作清单事项"
        verbose_name_plural = "工作清单事项"
        ordering = ["entry__work_list__year", "entry__seq", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "position"], name="item_position_unique_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class ItemResponsibility(models.Model):
    """A unit named on one checklist item; position 1 leads it.

    An item with none is carried by every unit of its key task (the task's lead
    leads it). Named units narrow that: an admin or the work-list import
    (牵头单位/配合单位 columns) may name some of the task's units, or members of
    a group the task names (tasks.services.item_units_set).
    """

    item = models.ForeignKey(
        ChecklistItem,
        verbose_name="工作清单事项",
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="item_responsibilities",
    )
    position = models.PositiveSmallIntegerField("排位")

    history = AuditTrail()

    class Meta:
        verbose_name = "事项责任单位"
        verbose_name_plural = "事项责任单位"
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit"], name="item_responsibility_unit_once"
            ),
            models.UniqueConstraint(
                fields=["item", "position"], name="item_responsibility_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="item_responsibility_position_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.unit}（{self.role_label}）"

    @property
    def role_label(self) -> str:
        return "牵头" if self.position == 1 else "配合"
