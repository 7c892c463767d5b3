from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from rest_framework.authtoken.models import TokenProxy

from units.roles import Role
from yuecheng_housing.lib.audit import AuditTrail

# The roster's order, everywhere units are listed (pages, selects, the admin's
# lists and filters, the API): 附件1's units and groups in its order, then the
# groups' members, each group's after the last (towns, then platform companies).
ROSTER_ORDER = [F("parent__position").asc(nulls_first=True), "position", "id"]


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
    is_active = models.BooleanField(
        "在用",
        default=True,
        help_text="停用且未填止报月份的单位在任何月份都不计（如误建的单位）。",
    )
    reports_from = models.DateField(
        "起报月份",
        null=True,
        blank=True,
        help_text="从哪个月起由该单位填报（取该月1日）；留空为方案期开始起。"
        "新增镇街时请填写，之前各月仍按原来的填报单位计算。",
    )
    reports_until = models.DateField(
        "止报月份",
        null=True,
        blank=True,
        help_text="最后填报的月份（撤并、停用时填写）；此前各月的数据仍计入全区合计。",
    )
    contact_emails = models.CharField(
        "联络人邮箱",
        max_length=500,
        blank=True,
        help_text="到期提醒发送到这些地址，用逗号分隔。",
    )

    history = AuditTrail(excluded_fields=["users"])

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ROSTER_ORDER
        constraints = [
            models.CheckConstraint(
                condition=Q(reports_from__isnull=True)
                | Q(reports_until__isnull=True)
                | Q(reports_until__gte=F("reports_from")),
                name="unit_reports_until_after_from",
                violation_error_message="止报月份不能早于起报月份。",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(kind="group"),
                name="unit_group_has_no_parent",
                violation_error_message="单位组不能再隶属于其他单位组。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A month is its first day, whatever day was picked.
        if self.reports_from:
            self.reports_from = self.reports_from.replace(day=1)
        if self.reports_until:
            self.reports_until = self.reports_until.replace(day=1)
        if (
            self.reports_from
            and self.reports_until
            and self.reports_until < self.reports_from
        ):
            raise ValidationError(
                {"reports_until": "止报月份不能早于起报月份。"}, code="period_order"
            )
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

    def reports_in(self, period: date) -> bool:
        """Whether the unit is on the roster in month `period` (its first day)."""
        if not self.is_active and self.reports_until is None:
            return False
        if self.reports_from is not None and period < self.reports_from:
            return False
        return self.reports_until is None or period <= self.reports_until


class Account(models.Model):
    """A user's role in the product, by stable code (see units/roles.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="account",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices)

    history = AuditTrail()

    class Meta:
        verbose_name = "账号角色"
        verbose_name_plural = "账号角色"

    def __str__(self) -> str:
        return f"{self.user}（{self.get_role_display()}）"


class ApiToken(TokenProxy):
    """An API token as the admin lists it: by its account, its key masked.

    The key is a password: it is shown once, when issued (units.services
    api_token_issue), and never again, in a list, a page title, a deletion
    question or the admin's log of changes, all of which print str(token).
    """

    class Meta:
        proxy = True
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} 的令牌 {self.masked_key}"

    @property
    def masked_key(self) -> str:
        return masked_token_key(self.key)


def masked_token_key(key: str) -> str:
    """Return the first characters of a token's key, enough to tell tokens apart."""
    return f"{key[:6]}••••••" if key else "—"
