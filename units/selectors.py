from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from units.models import Unit


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
