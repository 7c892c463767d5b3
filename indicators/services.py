from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.models import Indicator, PlanNote, Target, TargetSplit
from indicators.selectors import plan_inconsistencies
from tasks.models import Responsibility
from units.models import Unit
from yuecheng_housing.lib.numbers import format_decimal


@transaction.atomic
def target_revise(
    *,
    target: Target,
    comparator: str,
    value: Decimal,
    user: AbstractBaseUser,
    reason: str,
    seen: tuple[str, Decimal] | None = None,
) -> Target:
    """Revise a year's target, keeping the earlier value, who, when and why.

    The plan allows targets to be adjusted after policy evaluation; every revision
    must say why, and the history (django-simple-history) keeps each version.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "修订目标必须填写原因。"}, code="no_reason")
    # Lock the row so two admins revising at once cannot lose one revision.
    locked = Target.objects.select_for_update().get(pk=target.pk)
    if seen is not None and (locked.comparator, locked.value) != seen:
        latest = locked.history.select_related("history_user").first()
        who = latest.history_user if latest else "他人"
        when = timezone.localtime(latest.history_date) if latest else None
        raise ValidationError(
            f"已被他人修改（{who}，{when:%Y-%m-%d %H:%M}），请刷新后再改。"
            if when
            else "已被他人修改，请刷新后再改。",
            code="stale",
        )
    if locked.comparator == comparator and locked.value == value:
        raise ValidationError("目标值未改变。", code="unchanged")
    shares = split_total(indicator_id=locked.indicator_id, year=locked.year)
    if shares > value:
        raise ValidationError(
            f"各单位分解目标合计{format_decimal(shares)}，新目标不能低于该合计；"
            "请先调整目标分解。",
            code="below_splits",
        )
    locked.comparator = comparator
    locked.value = value
    locked.full_clean()
    locked._change_reason = reason
    locked._history_user = user
    locked.save()
    return locked


@transaction.atomic
def plan_note_save(
    *, key: str, note: str, user: AbstractBaseUser, reason: str = ""
) -> PlanNote:
    """Store the admin's note on one of the plan's disagreements, with its history.

    The page's form and the admin both write here; the history keeps who, when,
    the earlier text and why.
    """
    if key not in {i.key for i in plan_inconsistencies()}:
        raise ValidationError({"key": "方案中没有这一处不一致。"}, code="unknown_key")
    note = note.strip()
    # Lock the row: two admins saving at once keep both versions in the history.
    found = PlanNote.objects.select_for_update().filter(key=key).first()
    if found is None:
        found = PlanNote(key=key)
    elif found.note == note:
        return found
    found.note = note
    found.full_clean()
    found._change_reason = reason.strip() or "修改说明"
    found._history_user = user
    found.save()
    return found


JUDGEMENT_FIELDS = ("baseline", "progress_curve", "milestones")


@transaction.atomic
def indicator_judgement_set(
    *,
    indicator: Indicator,
    user: AbstractBaseUser,
    reason: str,
    baseline: Decimal | None,
    progress_curve: str,
    milestones: str = "",
) -> Indicator:
    """Set what an indicator's year is judged against: the 2022 baseline and the
    progress curve. Every change says why and is kept in the history; one that
    cannot be right (milestones past December, a baseline above the 2023 target
    of a count that only rises) is refused with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "修改基期值或进度曲线必须填写原因。"}, code="no_reason"
        )
    locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
    wanted = {
        "baseline": baseline,
        "progress_curve": progress_curve,
        "milestones": milestones.strip() if progress_curve == "milestones" else "",
    }
    if all(getattr(locked, name) == value for name, value in wanted.items()):
        raise ValidationError("基期值和进度曲线均未改变。", code="unchanged")
    for name, value in wanted.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked._change_reason = reason
    locked._history_user = user
    locked.save()
    return locked


def split_total(
    *, indicator_id: int, year: int, excluding: int | None = None
) -> Decimal:
    """The sum of the year's shares, locked so two admins cannot both fit in."""
    rows = TargetSplit.objects.select_for_update().filter(
        indicator_id=indicator_id, year=year
    )
    if excluding is not None:
        rows = rows.exclude(unit_id=excluding)
    return sum((r.value for r in rows), Decimal(0))


def split_units(indicator: Indicator) -> list[Unit]:
    """The units whose share of `indicator` can be split out: the members of the
    groups its key task names (各镇街, 各平台公司)."""
    groups = Responsibility.objects.filter(
        key_task_id=indicator.key_task_id, unit__kind=Unit.Kind.GROUP
    ).values_list("unit_id", flat=True)
    return list(Unit.objects.filter(parent_id__in=list(groups)))


def split_errors(
    *,
    indicator: Indicator,
    unit: Unit,
    year: int,
    value: Decimal,
    start: Decimal | None = None,
) -> list[str]:
    """Why a share cannot be right, in Chinese; empty when it can (the form asks
    here before saving, the service again under the lock)."""
    if indicator.aggregation != Indicator.Aggregation.SUM:
        return [
            f"“{indicator.name}”由牵头单位报全区数，不能按单位分解目标；"
            "只有各单位分报、全区合计的指标可以分解。"
        ]
    if unit.pk not in {u.pk for u in split_units(indicator)}:
        return [
            f"“{unit.name}”不分报“{indicator.name}”：只能分解给该指标重点任务所列"
            "单位组（各镇街、各平台公司）的成员。"
        ]
    target = Target.objects.filter(indicator=indicator, year=year).first()
    if target is None:
        return [f"{year}年没有全区目标，无法分解。"]
    errors = []
    for label, number in (("分解目标", value), ("起点值", start)):
        if number is None:
            continue
        if number < 0:
            errors.append(f"{label}不能为负数。")
        elif number != round(number, indicator.decimals):
            errors.append(f"{label}最多保留{indicator.decimals}位小数。")
    if start is not None and indicator.higher_is_better and start > value:
        errors.append(
            f"起点值{format_decimal(start)}高于分解目标{format_decimal(value)}："
            "累计数只增不减，起点不会高于年底目标。"
        )
    total = split_total(indicator_id=indicator.pk, year=year, excluding=unit.pk)
    if total + value > target.value:
        errors.append(
            f"各单位分解目标合计{format_decimal(total + value)}，超过全区{year}年"
            f"目标{format_decimal(target.value)}。"
        )
    return errors


@transaction.atomic
def target_split_save(
    *,
    indicator: Indicator,
    unit: Unit,
    year: int,
    value: Decimal,
    user: AbstractBaseUser,
    reason: str,
    start: Decimal | None = None,
) -> TargetSplit:
    """Set a member unit's share of the year's district target (按镇街分解)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "分解目标必须填写原因。"}, code="no_reason")
    # Lock the district target: a revision cannot slip under the shares meanwhile.
    Target.objects.select_for_update().filter(indicator=indicator, year=year).first()
    errors = split_errors(
        indicator=indicator, unit=unit, year=year, value=value, start=start
    )
    if errors:
        raise ValidationError(errors, code="split")
    split = TargetSplit.objects.filter(
        indicator=indicator, unit=unit, year=year
    ).first() or TargetSplit(indicator=indicator, unit=unit, year=year)
    split.value, split.start = value, start
    split.full_clean()
    split._change_reason, split._history_user = reason, user
    split.save()
    return split


@transaction.atomic
def target_split_delete(
    *, split: TargetSplit, user: AbstractBaseUser, reason: str
) -> None:
    """Remove a share: the unit's indicator part is left out of the 晾晒 again."""
    if not reason.strip():
        raise ValidationError(
            {"reason": "删除分解目标必须填写原因。"}, code="no_reason"
        )
    split._change_reason, split._history_user = reason.strip(), user
    split.delete()
