from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from units.models import ROSTER_ORDER, Unit
from units.roles import Role, user_role


def unit_list() -> QuerySet[Unit]:
    """Return every unit in roster order (附件1's, then towns, then companies)."""
    return Unit.objects.select_related("parent").order_by(*ROSTER_ORDER)


def roster_order(unit: Unit) -> tuple:
    """Sort key for units already read, in the order of ROSTER_ORDER: 附件1's
    units and groups first, then each group's members after them all, group by
    group. Reads `unit.parent`: select it with the unit."""
    if unit.parent_id is None:
        return (0, unit.position, unit.pk)
    return (1, unit.parent.position, unit.position, unit.pk)


# Who an account is, in words: the login is a key, not a name to show people.
_ROLE_NOUNS = {Role.ADMIN: "管理员", Role.REPORTER: "填报员", Role.OFFICIAL: "领导"}


def person_name(user) -> str:
    """Return the name to show for an account (退出（张三）, 填报人 张三): its
    姓名 as the admin typed it, else its role, never its login.

    Runs no query (a table names one person a row): the role is the one already
    read for this request, or 管理员 for staff; otherwise the name is missing."""
    if user is None:
        return "—"
    name = f"{user.last_name}{user.first_name}".strip()
    if name:
        return name
    role = Role.ADMIN if user.is_staff else getattr(user, "_role_cache", None)
    return _ROLE_NOUNS.get(role, "未填姓名")


def unit_by_name(name: str) -> Unit:
    """Return the unit called `name`, accepting it without the 区 prefix or by alias."""
    name = name.strip()
    candidates = [name] if name.startswith("区") else [name, f"区{name}"]
    unit = Unit.objects.filter(name__in=candidates).first()
    if unit is not None:
        return unit
    for candidate in Unit.objects.exclude(aliases=""):
        aliases = candidate.aliases.replace("，", "、").replace(",", "、").split("、")
        if name in (a.strip() for a in aliases):
            return candidate
    raise ValidationError(f"未知单位“{name}”。", code="unknown_unit")


def reportable_units(user) -> QuerySet[Unit]:
    """Return the units `user` may write for: the one place per-unit access lives.

    Admins write for every unit that reports (groups report through their members);
    reporters for the units they belong to; officials for none.
    """
    if not user.is_authenticated:
        return Unit.objects.none()
    role = user_role(user)
    if role == Role.ADMIN:
        return Unit.objects.exclude(kind=Unit.Kind.GROUP)
    if role == Role.REPORTER:
        return Unit.objects.filter(users=user).exclude(kind=Unit.Kind.GROUP)
    return Unit.objects.none()


def can_report_for(user, unit: Unit) -> bool:
    return reportable_units(user).filter(pk=unit.pk).exists()
