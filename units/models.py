from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from units.roles import Role


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


class Account(models.Model):
    """A user's role in the product, by stable code (see units/roles.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="account",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "账号角色"
        verbose_name_plural = "账号角色"

    def __str__(self) -> str:
        return f"{self.user}（{self.get_role_display()}）"
