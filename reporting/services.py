from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from indicators.models import Indicator
from reporting.district import district_values_refresh
from reporting.evidence import evidence_content_type
from reporting.models import Evidence, IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import items_carried_by, reporters_by_indicator
from reporting.transitions import report_submit
from tasks.models import ChecklistItem
from units.models import Unit
from units.selectors import can_report_for, reportable_units
from yuecheng_housing.lib.errors import Conflict, check_version
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import (
    PLAN_YEARS,
    add_months,
    current_month,
    period_label,
)


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


@transaction.atomic
def item_progress_save(
    *,
    user: AbstractBaseUser,
    unit: Unit,
    item: ChecklistItem,
    period: date,
    status: str,
    completed_on: date | None = None,
    note: str = "",
    expected_version: int | None = None,
    reason: str = "",
) -> ItemProgress:
    """Store a unit's progress on an item for a month: the one path for every write."""
    report = report_for_update(user=user, unit=unit, period=period)
    if item not in items_carried_by(unit=unit, year=item.entry.work_list.year):
        raise ValidationError(
            {"item": f"“{unit}”不承担事项“{item.text}”。"}, code="not_carried"
        )
    if status not in ItemProgress.Status.values:
        raise ValidationError({"status": "进展状态只能是未开始、推进中或已完成。"})
    if status == ItemProgress.Status.DONE:
        if completed_on is None:
            raise ValidationError(
                {"completed_on": "已完成的事项须填写完成日期。"}, code="no_date"
            )
        if completed_on > timezone.localdate():
            raise ValidationError(
                {"completed_on": "完成日期不能晚于今天。"}, code="future_date"
            )
    else:
        completed_on = None

    stored = (
        ItemProgress.objects.select_for_update()
        .select_related("updated_by")
        .filter(report=report, item=item)
        .first()
    )
    if stored is not None:
        check_version(stored, expected_version)
        if (stored.status, stored.completed_on, stored.note) == (
            status,
            completed_on,
            note,
        ):
            return stored
        stored.version += 1
    else:
        stored = ItemProgress(report=report, item=item)
    stored.status = status
    stored.completed_on = completed_on
    stored.note = note
    stored.updated_by = user
    stored.full_clean()
    stored._change_reason = reason
    stored._history_user = user
    stored.save()
    report_touch(report=report, user=user)
    return stored


@transaction.atomic
def evidence_add(
    *, user: AbstractBaseUser, progress: ItemProgress, upload: UploadedFile
) -> Evidence:
    """Attach a file to an item's progress after checking its content."""
    report = MonthlyReport.objects.select_for_update().get(pk=progress.report_id)
    if report.is_locked:
        raise Conflict("该月报送已审核锁定。", code="locked")
    content_type = evidence_content_type(upload)
    evidence = Evidence(
        progress=progress,
        original_name=upload.name[-255:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence


class EntryErrors(Exception):
    """The monthly entry had errors; nothing was saved. `errors` maps form → error."""

    def __init__(self, errors: dict) -> None:
        super().__init__("填报有误，未保存。")
        self.errors = errors


def monthly_entry_save(
    *,
    user: AbstractBaseUser,
    unit: Unit,
    period: date,
    values: list[dict],
    items: list[dict],
    submit: bool = False,
) -> MonthlyReport:
    """Save a unit's month from the entry page, all or nothing; optionally submit.

    Each line goes through the same services as the API and the import. Every
    line's error is collected (each call runs in its own savepoint), and if any
    line failed the whole month is rolled back and EntryErrors lists them.
    """
    errors: dict = {}
    stored_files = []
    with transaction.atomic():
        report = report_for_update(user=user, unit=unit, period=period)
        batch = []
        for line in values:
            if line["value"] is None:
                if line.get("expected_version"):
                    errors[("indicator", line["indicator"].pk)] = ValidationError(
                        {"value": "已保存的数值不能清空；如需更正，请填写正确的数值。"},
                        code="cleared",
                    )
                continue
            batch.append(ValueLine(unit=unit, period=period, **line))
        # The month's values in one batch: a fixed number of queries.
        for line, outcome in zip(
            batch, indicator_values_save(user=user, lines=batch), strict=True
        ):
            if isinstance(outcome, Exception):
                errors[("indicator", line.indicator.pk)] = outcome
        for line in items:
            upload = line.pop("evidence", None)
            if not line["status"]:
                if upload is not None:
                    errors[("item", line["item"].pk)] = ValidationError(
                        {"status": "上传佐证材料时须选择进展状态。"}, code="no_status"
                    )
                continue
            try:
                progress = item_progress_save(
                    user=user, unit=unit, period=period, **line
                )
                if upload is not None:
                    stored_files.append(
                        evidence_add(user=user, progress=progress, upload=upload).file
                    )
            except (ValidationError, Conflict) as e:
                errors[("item", line["item"].pk)] = e
        if submit and not errors:
            missing = _missing_values(report, values)
            if missing:
                errors[("report", None)] = ValidationError(
                    f"以下指标尚未填写，不能报送：{'、'.join(missing)}。"
                )
            else:
                report = report_submit(user=user, report=report)
        if errors:
            transaction.set_rollback(True)
    if errors:
        # The rows were rolled back; the files they named must not linger on disk.
        for stored in stored_files:
            stored.storage.delete(stored.name)
        raise EntryErrors(errors)
    return report


def _missing_values(report: MonthlyReport, values: list[dict]) -> list[str]:
    stored = set(report.values.values_list("indicator_id", flat=True))
    return [v["indicator"].name for v in values if v["indicator"].pk not in stored]
