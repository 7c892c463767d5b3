from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.models import (
    PLAN_YEARS,
    DistrictValue,
    Indicator,
    IndicatorValue,
    Target,
    format_decimal,
)
from indicators.reporters import reporters_by_indicator
from units.models import MonthlyReport, Unit
from units.selectors import can_report_for
from yuecheng_housing.errors import Conflict, check_version
from yuecheng_housing.periods import add_months, current_month, period_label


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
    locked.comparator = comparator
    locked.value = value
    locked.full_clean()
    locked._change_reason = reason
    locked._history_user = user
    locked.save()
    return locked


def report_for_update(
    *, user: AbstractBaseUser, unit: Unit, period: date
) -> MonthlyReport:
    """Return the unit's report for `period`, row-locked, creating a draft if none.

    Refuses a unit the user may not write for, a month outside the plan or in the
    future, and a month that review has locked.
    """
    if not can_report_for(user, unit):
        raise PermissionDenied(f"您无权填报“{unit}”的数据。")
    if period.year not in PLAN_YEARS:
        raise ValidationError(
            {"period": f"{period_label(period)}不在方案期（2023—2027年）内。"},
            code="outside_plan",
        )
    if period > current_month():
        raise ValidationError(
            {"period": f"不能填报未来月份（{period_label(period)}）。"}, code="future"
        )
    MonthlyReport.objects.get_or_create(unit=unit, period=period)
    report = MonthlyReport.objects.select_for_update().get(unit=unit, period=period)
    if report.is_locked:
        raise Conflict(
            f"{unit}{period_label(period)}的报送已审核锁定；如需修改，请联系管理员退回。",
            code="locked",
        )
    return report


def value_check(*, indicator: Indicator, value: Decimal) -> None:
    """Raise ValidationError if `value` cannot be a figure of `indicator`."""
    if value < 0:
        raise ValidationError({"value": "数值不能为负数。"}, code="negative")
    if indicator.kind == Indicator.Kind.RATE and value > 100:
        raise ValidationError(
            {"value": "比率应在0至100之间（单位为%）。"}, code="rate_range"
        )
    places = -value.normalize().as_tuple().exponent
    if places > indicator.decimals:
        message = (
            f"{indicator.name}应为整数。"
            if indicator.decimals == 0
            else f"{indicator.name}最多保留{indicator.decimals}位小数。"
        )
        raise ValidationError({"value": message}, code="decimals")


@transaction.atomic
def indicator_value_save(
    *,
    user: AbstractBaseUser,
    unit: Unit,
    indicator: Indicator,
    period: date,
    value: Decimal,
    note: str = "",
    decrease_reason: str = "",
    expected_version: int | None = None,
    reason: str = "",
) -> IndicatorValue:
    """Store a unit's value of an indicator for a month: the one path for every write.

    Forms, the API, the Excel import and demo data all come here, so permissions,
    validation, locks, the version check and the audit apply to each of them.
    `expected_version` is the version the writer last saw; a newer stored version
    means someone else saved in between, and the write is refused.
    """
    report = report_for_update(user=user, unit=unit, period=period)
    if unit not in reporters_by_indicator().get(indicator.pk, []):
        raise ValidationError(
            {"indicator": f"“{unit}”不填报“{indicator.name}”。"}, code="not_reporter"
        )
    value_check(indicator=indicator, value=value)

    needs_review = False
    if indicator.kind == Indicator.Kind.CUMULATIVE:
        previous = (
            IndicatorValue.objects.filter(
                indicator=indicator,
                report__unit=unit,
                report__period=add_months(period, -1),
            )
            .values_list("value", flat=True)
            .first()
        )
        if previous is not None and value < previous:
            if not decrease_reason.strip():
                raise ValidationError(
                    {
                        "decrease_reason": (
                            f"累计数低于上月（{format_decimal(previous)}），请说明原因。"
                        )
                    },
                    code="decrease_without_reason",
                )
            needs_review = True

    stored = (
        IndicatorValue.objects.select_for_update()
        .filter(report=report, indicator=indicator)
        .select_related("updated_by")
        .first()
    )
    if stored is not None:
        check_version(stored, expected_version)
        unchanged = (
            stored.value == value
            and stored.note == note
            and stored.decrease_reason == decrease_reason
        )
        if unchanged:
            return stored
        stored.version += 1
    else:
        stored = IndicatorValue(report=report, indicator=indicator)
    stored.value = value
    stored.note = note
    stored.decrease_reason = decrease_reason
    stored.needs_review = needs_review
    stored.updated_by = user
    stored.full_clean()
    stored._change_reason = reason
    stored._history_user = user
    stored.save()
    if report.status == MonthlyReport.Status.SUBMITTED:
        # Drafts do not count anywhere; a submitted month shows as pending.
        district_values_refresh(indicator_ids=[indicator.pk], periods=[period])
    report_touch(report=report, user=user)
    return stored


def report_touch(*, report: MonthlyReport, user: AbstractBaseUser) -> None:
    """Raise a submitted month's version when its content changes, so that an
    admin reviewing what they saw earlier is refused rather than approving it."""
    if report.status != MonthlyReport.Status.SUBMITTED:
        return
    report.version += 1
    report._history_user = user
    report._change_reason = "报送后修改内容"
    report.save()


def district_values_refresh(
    *, indicator_ids: Iterable[int], periods: Iterable[date]
) -> None:
    """Recompute the district figures of these indicators from these months on.

    A whole indicator's figure is its reporter's value that month. A summed one
    adds each contributing unit's latest value up to that month, so that a unit
    that has not reported yet counts with its last cumulative figure rather than
    as zero; `units_reported` says how many reported that very month. Since a
    summed month carries into later ones, those are recomputed too.
    """
    indicator_ids, periods = set(indicator_ids), set(periods)
    if not indicator_ids or not periods:
        return
    reporters = reporters_by_indicator()
    aggregation = dict(
        Indicator.objects.filter(pk__in=indicator_ids).values_list("id", "aggregation")
    )
    summed = {i for i, a in aggregation.items() if a == Indicator.Aggregation.SUM}
    todo = {(i, p) for i in indicator_ids for p in periods}
    todo |= set(
        DistrictValue.objects.filter(
            indicator_id__in=summed, period__gt=min(periods)
        ).values_list("indicator_id", "period")
    )
    rows = (
        IndicatorValue.objects.filter(
            indicator_id__in=indicator_ids, report__period__lte=max(p for _, p in todo)
        )
        .exclude(report__status=MonthlyReport.Status.DRAFT)
        .exclude(report__status=MonthlyReport.Status.RETURNED)
        .values_list(
            "indicator_id",
            "report__unit_id",
            "report__period",
            "report__status",
            "value",
        )
        .order_by("report__period")
    )
    history: dict[tuple[int, int], list[tuple[date, bool, Decimal]]] = defaultdict(list)
    for indicator_id, unit_id, period, status, value in rows:
        approved = status == MonthlyReport.Status.APPROVED
        history[indicator_id, unit_id].append((period, approved, value))

    for indicator_id, period in sorted(todo):
        expected = [u.pk for u in reporters.get(indicator_id, [])]
        carry = indicator_id in summed
        approved, pending, fresh, fresh_pending = [], [], 0, 0
        for unit_id in expected:
            seen = [h for h in history[indicator_id, unit_id] if h[0] <= period]
            if not carry:
                seen = [h for h in seen if h[0] == period]
            last_approved = next((h for h in reversed(seen) if h[1]), None)
            last_any = seen[-1] if seen else None
            if last_approved:
                approved.append(last_approved[2])
                fresh += last_approved[0] == period
            if last_any:
                pending.append(last_any[2])
                fresh_pending += last_any[0] == period and not last_any[1]
        DistrictValue.objects.update_or_create(
            indicator_id=indicator_id,
            period=period,
            defaults={
                "value": sum(approved) if approved and fresh else None,
                "pending_value": sum(pending)
                if pending and (fresh or fresh_pending)
                else None,
                "units_reported": fresh,
                "units_pending": fresh_pending,
                "units_expected": len(expected),
            },
        )
