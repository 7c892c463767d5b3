from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from indicators.services import (
    ValueLine,
    indicator_values_save,
    report_for_update,
    report_touch,
)
from tasks.evidence import evidence_content_type
from tasks.models import ChecklistItem, Evidence, ItemProgress
from tasks.selectors import items_carried_by
from units.models import MonthlyReport, Unit
from units.services import report_submit
from yuecheng_housing.errors import Conflict, check_version


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
