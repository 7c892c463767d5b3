"""A monthly return's life, as explicit transitions (the only code that moves it):

    draft ──submit──▶ submitted ──approve──▶ approved (locked)
      ▲                  │  │                    │
      └────withdraw──────┘  └──send back──▶ sent back ◀──reopen (admin, reason)──┘
                                               │
                                               └──(edited, then submit)──▶ submitted

Only drafts and sent-back months can be edited: a submitted month is what the
reviewer sees, exactly, until the unit withdraws it (撤回) or the reviewer decides.
Every transition is recorded by django-simple-history with who, when and why, and
refreshes the district figures the month feeds.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import Indicator
from reporting.district import district_values_refresh
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import obligations_for
from units.models import Unit
from units.roles import is_admin
from units.selectors import can_report_for, reportable_units
from yuecheng_housing.lib.bulk_rows import history_copy, rows_insert
from yuecheng_housing.lib.errors import Conflict
from yuecheng_housing.lib.periods import PLAN_YEARS, month_of, period_label

Status = MonthlyReport.Status


def period_check(period: date, *, now: datetime) -> None:
    """Refuse a month outside the plan or still to come."""
    if period.year not in PLAN_YEARS:
        raise ValidationError(
            {"period": f"{period_label(period)}不在方案期（2023—2027年）内。"},
            code="outside_plan",
        )
    if period > month_of(now):
        raise ValidationError(
            {"period": f"不能填报未来月份（{period_label(period)}）。"}, code="future"
        )


def edit_refusal(report: MonthlyReport) -> Conflict | None:
    """Return why the month's lines cannot change now, or None if they can; the
    message names the month's state and who can open it again, and where."""
    where = f"{report.unit}{period_label(report.period)}"
    if report.status == Status.APPROVED:
        return Conflict(
            f"{where}已审核锁定：如需修改，请管理员在该月的“修改历史”页"
            "解锁（退回该单位）后再改。",
            code="locked",
        )
    if report.status == Status.SUBMITTED:
        return Conflict(
            f"{where}已报送、等待审核，内容不能再改：如需修改，请先撤回报送，"
            "或由审核人在审核页退回。",
            code="submitted",
        )
    return None


def reports_for_edit(
    *, user: AbstractBaseUser, pairs: Iterable[tuple[Unit, date]], now: datetime
) -> dict[tuple[int, date], MonthlyReport]:
    """Return the reports of these (unit, month) pairs, row-locked, creating drafts
    for those with none (two or three queries for any number of pairs). The caller
    checks `edit_refusal` on each."""
    pairs = set(pairs)
    if not pairs:
        return {}
    units = {u.pk for u, _ in pairs}
    periods = {p for _, p in pairs}
    wanted = {(u.pk, p) for u, p in pairs}

    def existing() -> dict[tuple[int, date], MonthlyReport]:
        return {
            (r.unit_id, r.period): r
            for r in MonthlyReport.objects.select_for_update()
            .select_related("unit")
            .filter(unit_id__in=units, period__in=periods)
            if (r.unit_id, r.period) in wanted
        }

    found = existing()
    missing = [
        MonthlyReport(unit=u, period=p) for u, p in pairs if (u.pk, p) not in found
    ]
    if missing:
        try:
            with transaction.atomic():
                rows_insert(MonthlyReport, missing)
                history_copy(
                    MonthlyReport,
                    [r.pk for r in missing],
                    history_type="+",
                    user=user,
                    reason="新建草稿",
                    when=now,
                )
        except IntegrityError:
            # Another writer created some of these months meanwhile: create the
            # others one by one; theirs are found below.
            for report in missing:
                report.pk = None
                report._history_user = user
                report._history_date = now
                report._change_reason = "新建草稿"
                try:
                    with transaction.atomic():
                        report.save()
                except IntegrityError:
                    continue
        found = existing()
    return found


def report_for_edit(
    *, user: AbstractBaseUser, unit: Unit, period: date, now: datetime
) -> MonthlyReport:
    """Return the unit's report for `period`, row-locked and open for editing.

    Refuses a unit the user may not write for, a month outside the plan or in the
    future, and a month that is submitted or approved.
    """
    if not can_report_for(user, unit):
        raise PermissionDenied(f"您无权填报“{unit}”的数据。")
    period_check(period, now=now)
    report = reports_for_edit(user=user, pairs=[(unit, period)], now=now)[
        unit.pk, period
    ]
    refusal = edit_refusal(report)
    if refusal is not None:
        raise refusal
    return report


def missing_for_submission(report: MonthlyReport) -> list[str]:
    """Return the names of the indicators the unit reports that month with no value
    stored yet: a month is submitted whole, whichever channel filled it."""
    return missing_for_submissions([report])[report.pk]


def missing_for_submissions(reports: Sequence[MonthlyReport]) -> dict[int, list[str]]:
    """`missing_for_submission` of many months, by report id, in a fixed number of
    queries."""
    obligations = {
        year: obligations_for(year=year) for year in {r.period.year for r in reports}
    }
    stored: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(sorted({report.pk for report in reports})):
        for report_id, indicator_id in IndicatorValue.objects.filter(
            report_id__in=chunk
        ).values_list("report_id", "indicator_id"):
            stored[report_id].add(indicator_id)
    names = dict(Indicator.objects.order_by("code").values_list("pk", "name"))
    missing = {}
    for report in reports:
        owed = obligations[report.period.year].indicator_ids_of(
            report.unit, report.period
        )
        gaps = owed - stored[report.pk]
        missing[report.pk] = [name for pk, name in names.items() if pk in gaps]
    return missing


def _locked(report: MonthlyReport) -> MonthlyReport:
    return (
        MonthlyReport.objects.select_for_update()
        .select_related("unit")
        .get(pk=report.pk)
    )


def _record(
    report: MonthlyReport, *, user: AbstractBaseUser, now: datetime, reason: str
) -> MonthlyReport:
    """Save a transition with its audit record and refresh the district figures."""
    _record_all([report], user=user, now=now, reason=reason)
    return report


# Every stored field but the key: a transition may change any of them.
RECORDED = [f.name for f in MonthlyReport._meta.concrete_fields if not f.primary_key]


def _record_all(
    reports: list[MonthlyReport],
    *,
    user: AbstractBaseUser,
    now: datetime,
    reason: str,
) -> None:
    """Save the same transition of many months: the rows, their audit records and
    one refresh of the district figures they feed, in a fixed number of queries."""
    if not reports:
        return
    for report in reports:
        report.version += 1
    MonthlyReport.objects.bulk_update(reports, RECORDED, batch_size=500)
    pks = sorted(report.pk for report in reports)
    history_copy(
        MonthlyReport, pks, history_type="~", user=user, reason=reason, when=now
    )
    indicator_ids = set()
    for chunk in _chunks(pks):
        indicator_ids |= set(
            IndicatorValue.objects.filter(report_id__in=chunk).values_list(
                "indicator_id", flat=True
            )
        )
    district_values_refresh(
        indicator_ids=indicator_ids, periods={report.period for report in reports}
    )


def _chunks(pks: list[int], size: int = 500) -> Iterator[list[int]]:
    # SQLite takes a bounded number of parameters per query.
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def _require_admin(user: AbstractBaseUser, action: str) -> None:
    if not is_admin(user):
        raise PermissionDenied(f"只有管理员可以{action}。")


def _check_seen(report: MonthlyReport, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != report.version:
        raise Conflict("该报送在您查看后已被修改，请刷新后再操作。", code="stale")


@transaction.atomic
def report_submit(
    *, user: AbstractBaseUser, report: MonthlyReport, now: datetime | None = None
) -> MonthlyReport:
    """Submit a unit's month for review; submitting twice stores one submission."""
    submission = reports_submit(user=user, reports=[report], now=now)
    if report.pk in submission.refused:
        raise submission.refused[report.pk]
    return submission.reports[report.pk]


@dataclass
class Submission:
    # Every month asked for, by id, as now stored (row-locked).
    reports: dict[int, MonthlyReport]
    # Why some of them were not submitted, by id.
    refused: dict[int, Exception]


@transaction.atomic
def reports_submit(
    *,
    user: AbstractBaseUser,
    reports: Sequence[MonthlyReport],
    now: datetime | None = None,
) -> Submission:
    """Submit months for review together, each checked as `report_submit` checks
    one: those refused are returned with the reason, the others are submitted,
    recorded and feed one district refresh. A fixed number of queries however many
    months (an import's 导入并报送 submits hundreds)."""
    now = now or timezone.now()
    allowed = set(reportable_units(user).values_list("pk", flat=True))
    locked: dict[int, MonthlyReport] = {}
    filled: set[int] = set()
    for chunk in _chunks(sorted({report.pk for report in reports})):
        locked |= {
            r.pk: r
            for r in MonthlyReport.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk__in=chunk)
            .order_by("pk")
        }
        for model in (IndicatorValue, ItemProgress):
            filled |= set(
                model.objects.filter(report_id__in=chunk).values_list(
                    "report_id", flat=True
                )
            )
    refused: dict[int, Exception] = {}
    moving = []
    for report in {r.pk: locked[r.pk] for r in reports if r.pk in locked}.values():
        if report.unit_id not in allowed:
            refused[report.pk] = PermissionDenied(f"您无权报送“{report.unit}”的数据。")
        elif report.status == Status.SUBMITTED:
            continue  # submitting twice stores one submission
        elif report.status == Status.APPROVED:
            refused[report.pk] = edit_refusal(report)
        elif report.pk not in filled:
            refused[report.pk] = ValidationError(
                "尚未填写任何内容，不能报送。", code="empty"
            )
        else:
            report.status = Status.SUBMITTED
            # Timeliness is judged on the first submission: a month sent in on
            # time and sent back after the deadline is not late for being
            # corrected. A withdrawal clears it, so a withdrawn month is judged by
            # its new submission.
            if report.submitted_at is None:
                report.submitted_at = now
            report.submitted_by = user
            moving.append(report)
    _record_all(moving, user=user, now=now, reason="报送")
    return Submission(locked, refused)


@transaction.atomic
def report_withdraw(
    *,
    user: AbstractBaseUser,
    report: MonthlyReport,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> MonthlyReport:
    """Take a submitted month back to draft before review (撤回), to correct it.

    The submission's time is cleared: the month is on time or late by when it is
    submitted again (a month sent back keeps its first submission's time). The
    withdrawal stays in the month's history.
    """
    now = now or timezone.now()
    if not can_report_for(user, report.unit):
        raise PermissionDenied(f"您无权撤回“{report.unit}”的报送。")
    report = _locked(report)
    _check_seen(report, expected_version)
    if report.status != Status.SUBMITTED:
        raise Conflict(
            f"只有等待审核的报送可以撤回（当前：{report.get_status_display()}）。",
            code="not_submitted",
        )
    report.status = Status.DRAFT
    report.submitted_at = None
    report.submitted_by = None
    return _record(report, user=user, now=now, reason="撤回报送")


def _review(
    *,
    user: AbstractBaseUser,
    report: MonthlyReport,
    expected_version: int | None,
    action: str,
    status: str,
    comment: str,
    reason: str,
    now: datetime,
) -> MonthlyReport:
    _require_admin(user, "审核报送")
    report = _locked(report)
    _check_seen(report, expected_version)
    if report.status != Status.SUBMITTED:
        raise Conflict(
            f"只有待审核的报送可以{action}（当前：{report.get_status_display()}）。",
            code="not_submitted",
        )
    report.status = status
    report.reviewed_at = now
    report.reviewed_by = user
    report.review_comment = comment
    return _record(report, user=user, now=now, reason=reason)


@transaction.atomic
def report_approve(
    *,
    user: AbstractBaseUser,
    report: MonthlyReport,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> MonthlyReport:
    """Approve a submitted month: its values count on the dashboard and it locks."""
    return _review(
        user=user,
        report=report,
        expected_version=expected_version,
        action="通过",
        status=Status.APPROVED,
        comment=comment,
        reason=f"审核通过：{comment}" if comment else "审核通过",
        now=now or timezone.now(),
    )


@transaction.atomic
def report_send_back(
    *,
    user: AbstractBaseUser,
    report: MonthlyReport,
    comment: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> MonthlyReport:
    """Send a submitted month back to its unit (退回), with a comment it sees."""
    if not comment.strip():
        raise ValidationError("退回时须填写退回意见。", code="no_comment")
    return _review(
        user=user,
        report=report,
        expected_version=expected_version,
        action="退回",
        status=Status.SENT_BACK,
        comment=comment,
        reason=f"退回：{comment}",
        now=now or timezone.now(),
    )


@transaction.atomic
def report_reopen(
    *,
    user: AbstractBaseUser,
    report: MonthlyReport,
    reason: str,
    now: datetime | None = None,
) -> MonthlyReport:
    """Unlock an approved month (admin only, with a reason): back to the unit."""
    now = now or timezone.now()
    _require_admin(user, "解锁已审核的报送")
    if not reason.strip():
        raise ValidationError("解锁时须填写原因。", code="no_reason")
    report = _locked(report)
    if report.status != Status.APPROVED:
        raise Conflict("只有已审核锁定的报送可以解锁。", code="not_locked")
    report.status = Status.SENT_BACK
    report.reviewed_at = now
    report.reviewed_by = user
    report.review_comment = f"管理员解锁：{reason}"
    return _record(report, user=user, now=now, reason=f"解锁：{reason}")
