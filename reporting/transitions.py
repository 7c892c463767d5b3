from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reporting.models import MonthlyReport
from units.roles import is_admin
from units.selectors import can_report_for
from yuecheng_housing.lib.errors import Conflict


def _report_indicator_ids(report: MonthlyReport) -> list[int]:
    return list(report.values.values_list("indicator_id", flat=True))


def _require_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied("只有管理员可以审核报送。")


def _locked_report(report: MonthlyReport) -> MonthlyReport:
    return MonthlyReport.objects.select_for_update().get(pk=report.pk)


def _refresh(report: MonthlyReport) -> None:
    # Imported here: indicators depends on units, not the other way round.
    from reporting.district import district_values_refresh

    district_values_refresh(
        indicator_ids=_report_indicator_ids(report), periods=[report.period]
    )


@transaction.atomic
def report_submit(*, user, report: MonthlyReport) -> MonthlyReport:
    """Submit a unit's month for review; submitting twice stores one submission."""
    if not can_report_for(user, report.unit):
        raise PermissionDenied(f"您无权报送“{report.unit}”的数据。")
    report = _locked_report(report)
    if report.is_locked:
        raise Conflict("该月报送已审核锁定。", code="locked")
    if report.status == MonthlyReport.Status.SUBMITTED:
        return report
    if not (report.values.exists() or report.item_progress.exists()):
        raise ValidationError("尚未填写任何内容，不能报送。", code="empty")
    report.status = MonthlyReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.version += 1
    report._history_user = user
    report._change_reason = "报送"
    report.save()
    _refresh(report)
    return report


def _review(*, user, report: MonthlyReport, status: str, comment: str, reason: str):
    """Record a review decision on a row-locked report and refresh district figures."""
    report.status = status
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment
    report.version += 1
    report._history_user = user
    report._change_reason = reason
    report.save()
    _refresh(report)
    return report


def _submitted_report(
    report: MonthlyReport, action: str, expected_version: int | None
) -> MonthlyReport:
    report = _locked_report(report)
    if expected_version is not None and expected_version != report.version:
        raise Conflict("该报送在您查看后已被修改，请刷新后重新审核。", code="stale")
    if report.status != MonthlyReport.Status.SUBMITTED:
        raise Conflict(
            f"只有待审核的报送可以{action}（当前：{report.get_status_display()}）。",
            code="not_submitted",
        )
    return report


@transaction.atomic
def report_approve(
    *,
    user,
    report: MonthlyReport,
    comment: str = "",
    expected_version: int | None = None,
) -> MonthlyReport:
    """Approve a submitted month: its values count on the dashboard and it locks."""
    _require_admin(user)
    return _review(
        user=user,
        report=_submitted_report(report, "通过", expected_version),
        status=MonthlyReport.Status.APPROVED,
        comment=comment,
        reason=f"审核通过：{comment}" if comment else "审核通过",
    )


@transaction.atomic
def report_return(
    *,
    user,
    report: MonthlyReport,
    comment: str,
    expected_version: int | None = None,
) -> MonthlyReport:
    """Return a submitted month to its unit, with a comment shown on its entry page."""
    _require_admin(user)
    if not comment.strip():
        raise ValidationError("退回时须填写退回意见。", code="no_comment")
    return _review(
        user=user,
        report=_submitted_report(report, "退回", expected_version),
        status=MonthlyReport.Status.RETURNED,
        comment=comment,
        reason=f"退回：{comment}",
    )


@transaction.atomic
def report_reopen(*, user, report: MonthlyReport, reason: str) -> MonthlyReport:
    """Unlock an approved month (admin only, with a reason); back to the unit."""
    _require_admin(user)
    if not reason.strip():
        raise ValidationError("解锁时须填写原因。", code="no_reason")
    report = _locked_report(report)
    if report.status != MonthlyReport.Status.APPROVED:
        raise Conflict("只有已审核锁定的报送可以解锁。", code="not_locked")
    return _review(
        user=user,
        report=report,
        status=MonthlyReport.Status.RETURNED,
        comment=f"管理员解锁：{reason}",
        reason=f"解锁：{reason}",
    )
