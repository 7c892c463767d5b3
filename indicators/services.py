from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
from units.selectors import can_report_for, reportable_units
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


@dataclass
class ValueLine:
    """One value to store: a unit's figure of an indicator for a month."""

    unit: Unit
    indicator: Indicator
    period: date
    value: Decimal
    note: str = ""
    decrease_reason: str = ""
    expected_version: int | None = None


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
    """Store one value (the forms and the API); raise the line's error if any."""
    line = ValueLine(
        unit, indicator, period, value, note, decrease_reason, expected_version
    )
    (outcome,) = indicator_values_save(user=user, lines=[line], reason=reason)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def indicator_values_save(
    *, user: AbstractBaseUser, lines: list[ValueLine], reason: str = ""
) -> list[IndicatorValue | Exception]:
    """Store units' values: the one path for every write of a value.

    Forms, the API, the Excel import and demo data all come here, so permissions,
    validation, locks, the version check and the audit apply to each of them. It
    works on a batch in a fixed number of queries (the import sends thousands of
    lines) and returns, line by line, the stored value or the error that refused
    it; lines without an error are written, and the caller rolls back if it wants
    all or nothing. `expected_version` is the version the writer last saw (0: none
    stored); a newer stored version means someone else saved in between.
    """
    outcomes: list = [None] * len(lines)
    allowed = set(reportable_units(user).values_list("pk", flat=True))
    reporters = {k: {u.pk for u in v} for k, v in reporters_by_indicator().items()}
    month_now = current_month()
    for i, line in enumerate(lines):
        try:
            _line_check(line, allowed, reporters, month_now)
        except (ValidationError, PermissionDenied) as e:
            outcomes[i] = e
    todo = [i for i, o in enumerate(outcomes) if o is None]
    reports = reports_for_update(
        user=user, pairs={(lines[i].unit, lines[i].period) for i in todo}
    )
    for i in todo:
        report = reports[lines[i].unit.pk, lines[i].period]
        if report.is_locked:
            outcomes[i] = _locked(lines[i].unit, lines[i].period)

    todo = [i for i, o in enumerate(outcomes) if o is None]
    report_ids = {reports[lines[i].unit.pk, lines[i].period].pk for i in todo}
    stored = {
        (v.report_id, v.indicator_id): v
        for v in IndicatorValue.objects.select_for_update()
        .filter(report_id__in=report_ids)
        .select_related("updated_by")
    }
    previous = previous_values([lines[i] for i in todo])
    now = timezone.now()
    created, updated, touched = [], [], {}
    for i in todo:
        line = lines[i]
        report = reports[line.unit.pk, line.period]
        key = (line.unit.pk, line.indicator.pk, line.period)
        try:
            row = _value_row(line, report, stored, previous.get(key), user, now)
        except (ValidationError, Conflict) as e:
            outcomes[i] = e
            continue
        # A later month of the same batch compares with this one.
        previous[line.unit.pk, line.indicator.pk, add_months(line.period, 1)] = (
            line.value
        )
        outcomes[i] = row
        if row.pk is None:
            created.append(row)
            stored[report.pk, line.indicator.pk] = row
        elif getattr(row, "_changed", False):
            updated.append(row)
        else:
            continue
        touched[report.pk] = report
    if created:
        bulk_create_with_history(
            created, IndicatorValue, default_user=user, default_change_reason=reason
        )
    if updated:
        bulk_update_with_history(
            updated,
            IndicatorValue,
            ["value", "note", "decrease_reason", "needs_review", "version"]
            + ["updated_by", "updated_at"],
            default_user=user,
            default_change_reason=reason,
        )
    submitted = [
        r for r in touched.values() if r.status == MonthlyReport.Status.SUBMITTED
    ]
    for report in submitted:
        report_touch(report=report, user=user)
    if submitted:
        # Drafts do not count anywhere; a submitted month shows as pending.
        district_values_refresh(
            indicator_ids={r.indicator_id for r in created + updated},
            periods={r.period for r in submitted},
        )
    return outcomes


def _line_check(line: ValueLine, allowed, reporters, month_now: date) -> None:
    if line.unit.pk not in allowed:
        raise PermissionDenied(f"您无权填报“{line.unit}”的数据。")
    _period_check(line.period, month_now)
    if line.unit.pk not in reporters.get(line.indicator.pk, set()):
        raise ValidationError(
            {"indicator": f"“{line.unit}”不填报“{line.indicator.name}”。"},
            code="not_reporter",
        )
    value_check(indicator=line.indicator, value=line.value)


def _period_check(period: date, month_now: date) -> None:
    if period.year not in PLAN_YEARS:
        raise ValidationError(
            {"period": f"{period_label(period)}不在方案期（2023—2027年）内。"},
            code="outside_plan",
        )
    if period > month_now:
        raise ValidationError(
            {"period": f"不能填报未来月份（{period_label(period)}）。"}, code="future"
        )


def _locked(unit: Unit, period: date) -> Conflict:
    return Conflict(
        f"{unit}{period_label(period)}的报送已审核锁定；如需修改，请联系管理员退回。",
        code="locked",
    )


def reports_for_update(
    *, user: AbstractBaseUser, pairs: set[tuple[Unit, date]]
) -> dict[tuple[int, date], MonthlyReport]:
    """Return the reports of these (unit, month) pairs, row-locked, creating drafts."""
    if not pairs:
        return {}
    units = {u.pk for u, _ in pairs}
    periods = {p for _, p in pairs}
    wanted = {(u.pk, p) for u, p in pairs}

    def existing():
        return {
            (r.unit_id, r.period): r
            for r in MonthlyReport.objects.select_for_update().filter(
                unit_id__in=units, period__in=periods
            )
            if (r.unit_id, r.period) in wanted
        }

    found = existing()
    missing = [
        MonthlyReport(unit=u, period=p) for u, p in pairs if (u.pk, p) not in found
    ]
    if missing:
        bulk_create_with_history(missing, MonthlyReport, default_user=user)
        found = existing()
    return found


def previous_values(lines: list[ValueLine]) -> dict[tuple[int, int, date], Decimal]:
    """Last month's stored value of each line's unit and indicator, by this month."""
    if not lines:
        return {}
    units = {line.unit.pk for line in lines}
    periods = {add_months(line.period, -1) for line in lines}
    return {
        (unit_id, indicator_id, add_months(period, 1)): value
        for unit_id, indicator_id, period, value in IndicatorValue.objects.filter(
            report__unit_id__in=units, report__period__in=periods
        ).values_list("report__unit_id", "indicator_id", "report__period", "value")
    }


def _value_row(line, report, stored, previous, user, now) -> IndicatorValue:
    """Return the row to write for a line (unsaved), or the stored one unchanged."""
    if len(line.note) > 2000 or len(line.decrease_reason) > 2000:
        raise ValidationError({"note": "说明最多2000字。"}, code="too_long")
    needs_review = False
    if line.indicator.kind == Indicator.Kind.CUMULATIVE and previous is not None:
        if line.value < previous:
            if not line.decrease_reason.strip():
                raise ValidationError(
                    {
                        "decrease_reason": (
                            f"累计数低于上月（{format_decimal(previous)}），请说明原因。"
                        )
                    },
                    code="decrease_without_reason",
                )
            needs_review = True
    row = stored.get((report.pk, line.indicator.pk))
    if row is not None:
        check_version(row, line.expected_version)
        if (row.value, row.note, row.decrease_reason) == (
            line.value,
            line.note,
            line.decrease_reason,
        ):
            return row
        row.version += 1
        row._changed = True
    else:
        if line.expected_version:
            raise Conflict("该数值已被他人删除或移动，请刷新后再改。", code="stale")
        row = IndicatorValue(report=report, indicator=line.indicator)
    row.value = line.value
    row.note = line.note
    row.decrease_reason = line.decrease_reason
    row.needs_review = needs_review
    row.updated_by = user
    row.updated_at = now
    return row


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
