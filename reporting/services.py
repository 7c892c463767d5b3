from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from indicators.models import Indicator, Target
from reporting.models import Evidence, IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import Roster, items_carried_by, roster
from reporting.plausibility import (
    completion_warnings,
    cumulative_decrease,
    value_warnings,
)
from reporting.transitions import (
    edit_refusal,
    missing_for_submission,
    period_check,
    report_for_edit,
    report_submit,
    reports_for_edit,
)
from tasks.models import ChecklistItem
from units.models import Unit
from units.selectors import can_report_for, reportable_units
from yuecheng_housing.lib.bulk_rows import history_copy, rows_insert
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation, check_version
from yuecheng_housing.lib.evidence import evidence_save
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import (
    add_months,
)
from yuecheng_housing.lib.text import bracketed, normal_newlines


def value_check(
    *, indicator: Indicator, value: Decimal, ceiling: Decimal | None = None
) -> None:
    """Raise ValidationError if `value` cannot be a figure of `indicator`.

    `ceiling` (see `value_ceilings`) catches a figure typed in the wrong unit:
    14475 套 in a 万套 cell is ten thousand times the plan's own targets.
    """
    if value < 0:
        raise ValidationError({"value": "数值不能为负数。"}, code="negative")
    if value >= MAX_VALUE:
        # The column holds 10 digits before the point; no plan figure comes near.
        raise ValidationError(
            {"value": "数值过大（应小于100亿），请检查计量单位和小数点。"},
            code="too_large",
        )
    if indicator.kind == Indicator.Kind.RATE and value > 100:
        raise ValidationError(
            {"value": "比率应在0至100之间（单位为%）。"}, code="rate_range"
        )
    if ceiling is not None and indicator.kind != Indicator.Kind.RATE:
        if value > ceiling:
            raise ValidationError(
                {
                    "value": f"数值{format_decimal(value)}远超方案目标"
                    f"（上限{format_decimal(ceiling)}{indicator.unit}），"
                    f"请检查计量单位{bracketed(indicator.unit)}和小数点。"
                },
                code="above_ceiling",
            )
    places = -value.normalize().as_tuple().exponent
    if places > indicator.decimals:
        # The field, the API's value or the return's row already names the
        # indicator: the message does not name it again.
        message = (
            "应为整数。"
            if indicator.decimals == 0
            else f"最多保留{indicator.decimals}位小数。"
        )
        raise ValidationError({"value": message}, code="decimals")


MAX_VALUE = Decimal(10) ** 10
CEILING_FACTOR = 100


def value_ceilings() -> dict[int, Decimal]:
    """Return, per indicator, the largest plausible figure: 100 × the largest of
    its yearly targets (one query); rates are bounded by 100 instead."""
    return {
        row["indicator_id"]: max(row["top"], Decimal(1)) * CEILING_FACTOR
        for row in Target.objects.values("indicator_id").annotate(top=Max("value"))
    }


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
    # The user has seen the plausibility warnings (reporting.plausibility) and
    # confirms the value; without it a line with warnings is refused.
    confirmed: bool = False


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
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> IndicatorValue:
    """Store one value (the forms and the API); raise the line's error if any."""
    line = ValueLine(
        unit,
        indicator,
        period,
        value,
        note,
        decrease_reason,
        expected_version,
        confirmed,
    )
    (outcome,) = indicator_values_save(user=user, lines=[line], reason=reason, now=now)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def indicator_values_save(
    *,
    user: AbstractBaseUser,
    lines: list[ValueLine],
    reason: str = "",
    now: datetime | None = None,
    current: Roster | None = None,
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
    now = now or timezone.now()
    outcomes: list = [None] * len(lines)
    allowed = set(reportable_units(user).values_list("pk", flat=True))
    # The import writes in batches: it reads the roster once for all of them.
    current = current or roster()
    ceilings = value_ceilings()
    for i, line in enumerate(lines):
        line.note = normal_newlines(line.note)
        line.decrease_reason = normal_newlines(line.decrease_reason)
        try:
            _line_check(line, allowed, current, now, ceilings)
        except (ValidationError, PermissionDenied) as e:
            outcomes[i] = e
    todo = [i for i, o in enumerate(outcomes) if o is None]
    reports = reports_for_edit(
        user=user, pairs={(lines[i].unit, lines[i].period) for i in todo}, now=now
    )
    for i in todo:
        outcomes[i] = edit_refusal(reports[lines[i].unit.pk, lines[i].period])

    todo = [i for i, o in enumerate(outcomes) if o is None]
    report_ids = {reports[lines[i].unit.pk, lines[i].period].pk for i in todo}
    stored = {
        (v.report_id, v.indicator_id): v
        for v in IndicatorValue.objects.select_for_update()
        .filter(report_id__in=report_ids)
        .select_related("updated_by")
    }
    previous = previous_values([lines[i] for i in todo])
    targets = {
        (t.indicator_id, t.year): t.value
        for t in Target.objects.filter(year__in={lines[i].period.year for i in todo})
    }
    created, updated = [], []
    for i in todo:
        line = lines[i]
        report = reports[line.unit.pk, line.period]
        key = (line.unit.pk, line.indicator.pk, line.period)
        warnings = value_warnings(
            indicator=line.indicator,
            value=line.value,
            previous=previous.get(key),
            target=targets.get((line.indicator.pk, line.period.year)),
        )
        try:
            row = _value_row(line, report, stored, previous.get(key), user, now)
            if warnings and (row.pk is None or getattr(row, "_changed", False)):
                if not line.confirmed:
                    raise NeedsConfirmation(warnings)
                row.warnings = "；".join(warnings)
                row.needs_review = True
        except (ValidationError, Conflict, NeedsConfirmation) as e:
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
    # Only drafts and sent-back months are written, and neither counts in the
    # district figures: nothing to refresh until the month is submitted.
    if created:
        rows_insert(IndicatorValue, created)
        history_copy(
            IndicatorValue,
            [row.pk for row in created],
            history_type="+",
            user=user,
            reason=reason,
            when=now,
        )
    if updated:
        IndicatorValue.objects.bulk_update(
            updated,
            ["value", "note", "decrease_reason", "needs_review", "warnings"]
            + ["version", "updated_by", "updated_at"],
        )
        history_copy(
            IndicatorValue,
            [row.pk for row in updated],
            history_type="~",
            user=user,
            reason=reason,
            when=now,
        )
    return outcomes


def _line_check(
    line: ValueLine, allowed, current: Roster, now: datetime, ceilings
) -> None:
    if line.unit.pk not in allowed:
        raise PermissionDenied(f"您无权填报“{line.unit}”的数据。")
    period_check(line.period, now=now)
    if line.indicator.pk not in current.indicator_ids_at(line.unit, line.period):
        raise ValidationError(
            {"indicator": f"“{line.unit}”不填报“{line.indicator.name}”。"},
            code="not_reporter",
        )
    value_check(
        indicator=line.indicator,
        value=line.value,
        ceiling=ceilings.get(line.indicator.pk),
    )


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
    decrease = cumulative_decrease(
        indicator=line.indicator, value=line.value, previous=previous
    )
    if decrease and not line.decrease_reason.strip():
        raise ValidationError(
            {"decrease_reason": f"{decrease}，请说明原因。"},
            code="decrease_without_reason",
        )
    needs_review = bool(decrease)
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
    row.warnings = ""
    row.updated_by = user
    row.updated_at = now
    return row


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
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> ItemProgress:
    """Store a unit's progress on an item for a month: the one path for every write."""
    now = now or timezone.now()
    note = normal_newlines(note)
    report = report_for_edit(user=user, unit=unit, period=period, now=now)
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
        if completed_on > timezone.localdate(now):
            raise ValidationError(
                {"completed_on": "完成日期不能晚于今天。"}, code="future_date"
            )
    else:
        completed_on = None
    warnings = completion_warnings(
        completed_on=completed_on, period=period, year=item.entry.work_list.year
    )

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
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    stored.warnings = "；".join(warnings)
    stored.status = status
    stored.completed_on = completed_on
    stored.note = note
    stored.updated_by = user
    stored.updated_at = now
    stored.full_clean()
    stored._change_reason = reason
    stored._history_user = user
    stored._history_date = now
    stored.save()
    return stored


@transaction.atomic
def evidence_add(
    *,
    user: AbstractBaseUser,
    progress: ItemProgress,
    upload: UploadedFile,
    now: datetime | None = None,
) -> Evidence:
    """Attach a file to an item's progress after checking its content."""
    now = now or timezone.now()
    report = MonthlyReport.objects.select_for_update().select_related("unit")
    report = report.get(pk=progress.report_id)
    if not can_report_for(user, report.unit):
        raise PermissionDenied(f"您无权为“{report.unit}”上传佐证材料。")
    refusal = edit_refusal(report)
    if refusal is not None:
        raise refusal
    evidence = Evidence(progress=progress)
    evidence_save(evidence, upload, user=user, now=now)
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
    check_only: bool = False,
    now: datetime | None = None,
) -> MonthlyReport | None:
    """Save a unit's month from the entry page, all or nothing; optionally submit.

    Each line goes through the same services as the API and the import. Every
    line's error is collected (each call runs in its own savepoint), and if any
    line failed the whole month is rolled back and EntryErrors lists them.

    `check_only` runs the same writes and always rolls back (returning None
    when nothing failed): the page sends the lines it could read when another
    cell could not be read at all, so that every cell's error shows on the first
    submit rather than one round at a time.
    """
    now = now or timezone.now()
    errors: dict = {}
    stored_files = []
    try:
        report = _entry_write(
            user,
            unit,
            period,
            values,
            items,
            submit and not check_only,
            now,
            errors,
            stored_files,
            check_only,
        )
    except BaseException:
        # The rows were rolled back; the files they named must not linger on disk.
        for stored in stored_files:
            stored.storage.delete(stored.name)
        raise
    if check_only:
        for stored in stored_files:
            stored.storage.delete(stored.name)
        return None
    return report


def _entry_write(
    user, unit, period, values, items, submit, now, errors, stored_files, check_only
):
    with transaction.atomic():
        report = report_for_edit(user=user, unit=unit, period=period, now=now)
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
            batch, indicator_values_save(user=user, lines=batch, now=now), strict=True
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
                    user=user, unit=unit, period=period, now=now, **line
                )
                if upload is not None:
                    evidence = evidence_add(
                        user=user, progress=progress, upload=upload, now=now
                    )
                    stored_files.append(evidence.file)
            except (ValidationError, Conflict, NeedsConfirmation) as e:
                errors[("item", line["item"].pk)] = e
        if submit and not errors:
            missing = missing_for_submission(report)
            if missing:
                errors[("report", None)] = ValidationError(
                    f"以下指标尚未填写，不能报送：{'、'.join(missing)}。"
                )
            else:
                report = report_submit(user=user, report=report, now=now)
        if errors or check_only:
            transaction.set_rollback(True)
    if errors:
        raise EntryErrors(errors)
    return report
