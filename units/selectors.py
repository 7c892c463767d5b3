from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from units.models import Unit
from units.roles import Role, user_role


def unit_list() -> QuerySet[Unit]:
    """Return every unit in roster order, groups with their members after them."""
    return Unit.objects.select_related("parent").order_by("position", "id")


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
