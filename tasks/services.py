"""Writes to work lists that are more than a form: who carries an item, and 销号.

The admin, the work-list import and the tests call these; each is one transaction,
refuses bad input with a Chinese message and leaves an audited history row.
"""

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tasks.models import ChecklistItem, ItemResponsibility, Responsibility
from units.models import Unit
from units.roles import Role, user_role
from yuecheng_housing.lib.periods import day_label

# A reason is what the next reader of the history needs; "无" is not one.
MIN_REASON_LENGTH = 4


def task_units_allowed(key_task_id: int) -> dict[int, Unit]:
    """The units an item of this key task may name: the task's own units and the
    members of the groups it names (各镇街 → each town), by id (2 queries)."""
    named = [
        r.unit
        for r in Responsibility.objects.filter(key_task_id=key_task_id)
        .select_related("unit")
        .order_by("position")
    ]
    allowed = {u.pk: u for u in named}
    groups = [u.pk for u in named if u.is_group]
    if groups:
        allowed |= {u.pk: u for u in Unit.objects.filter(parent_id__in=groups)}
    return allowed


def check_item_units(
    *, key_task_id: int, lead: Unit, co_units: Sequence[Unit]
) -> list[Unit]:
    """Return [lead, *co units] without repeats, or raise ValidationError naming
    every unit the item's key task does not name."""
    allowed = task_units_allowed(key_task_id)
    errors = []
    if lead.is_group:
        errors.append(f"牵头单位不能是单位组“{lead.name}”，请填写具体单位。")
    units = [lead]
    for unit in co_units:
        if unit.pk not in {u.pk for u in units}:
            units.append(unit)
    for unit in units:
        if unit.pk not in allowed:
            errors.append(
                f"“{unit.name}”不是该事项所属重点任务的责任单位，"
                "事项只能在重点任务的责任单位中指定。"
            )
    if errors:
        raise ValidationError(errors, code="item_units")
    return units


def _require_admin(user, action: str) -> None:
    if user is None or user_role(user) != Role.ADMIN:
        raise PermissionDenied(f"只有管理员可以{action}。")


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            f"请填写{what}理由（至少{MIN_REASON_LENGTH}个字）。", code="reason"
        )
    return reason


@transaction.atomic
def item_units_set(
    *,
    item: ChecklistItem,
    lead: Unit | None,
    co_units: Sequence[Unit] = (),
    user=None,
    reason: str = "",
    check_user: bool = True,
) -> list[ItemResponsibility]:
    """Name the item's own lead and co-responsible units, narrowing its key task's;
    `lead=None` gives the item back to the key task's units.

    `check_user=False` is for the work-list import, which has checked its caller.
    """
    if check_user:
        _require_admin(user, "调整事项责任单位")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    reason = reason.strip() or "调整事项责任单位"
    for row in item.responsibilities.all():
        row._change_reason, row._history_user = reason, user
        row.delete()
    if lead is None:
        return []
    units = check_item_units(
        key_task_id=item.entry.key_task_id, lead=lead, co_units=co_units
    )
    rows = []
    for position, unit in enumerate(units, 1):
        row = ItemResponsibility(item=item, unit=unit, position=position)
        row._change_reason, row._history_user = reason, user
        row.save()
        rows.append(row)
    return rows


@transaction.atomic
def item_close(
    *, item: ChecklistItem, user, reason: str, on: date | None = None
) -> ChecklistItem:
    """销号: take an unfinished item off the books from `on` (today) with a reason.

    From that day it is 已销号 on every page: not overdue, not done, not counted
    in the ranking's work part, not carried into later notices.
    """
    _require_admin(user, "销号")
    reason = _require_reason(reason, "销号")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.closed_on is not None:
        raise ValidationError(
            f"该事项已于{day_label(item.closed_on)}销号。", code="closed"
        )
    on = on or timezone.localdate()
    if on < date(item.entry.work_list.year, 1, 1):
        raise ValidationError("销号日期不能早于事项所在年度。", code="closed_on")
    item.closed_on, item.closed_reason, item.closed_by = on, reason, user
    item._change_reason, item._history_user = f"销号：{reason}", user
    item.save(update_fields=["closed_on", "closed_reason", "closed_by"])
    return item


@transaction.atomic
def item_reopen(*, item: ChecklistItem, user, reason: str) -> ChecklistItem:
    """Undo a 销号: the item is owed again, as it was before, with the reason kept."""
    _require_admin(user, "撤销销号")
    reason = _require_reason(reason, "撤销销号")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.closed_on is None:
        raise ValidationError("该事项未销号。", code="not_closed")
    item.closed_on, item.closed_reason, item.closed_by = None, "", None
    item._change_reason, item._history_user = f"撤销销号：{reason}", user
    item.save(update_fields=["closed_on", "closed_reason", "closed_by"])
    return item
