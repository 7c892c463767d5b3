import hashlib
import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from hazards.rates import RATE_CODES, register_rates
from indicators.models import PlanSettings
from projects.claims import ledger_figures
from reporting.forms import IndicatorValueForm, ItemProgressForm
from reporting.history import report_changes
from reporting.import_jobs import (
    batch_commit,
    batch_progress,
    batch_retry,
    imports_queue,
)
from reporting.models import Evidence, MonthlyReport, ReturnImport
from reporting.obligations import obligations_for
from reporting.return_state import deadline_text, return_state
from reporting.returns_export import returns_export
from reporting.returns_template import return_template, template_file_name
from reporting.selectors import monthly_entry, review_queue
from reporting.services import EntryErrors, monthly_entry_save
from reporting.transitions import (
    edit_refusal,
    report_approve,
    report_reopen,
    report_send_back,
    report_withdraw,
)
from reporting.visibility import (
    WORK_IN_PROGRESS,
    may_see_work_in_progress,
    visible_to,
)
from reporting.work_list_import import parse_work_list, work_list_create
from units.models import ROSTER_ORDER, Unit
from units.roles import is_admin
from units.selectors import reportable_units
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.evidence import evidence_response
from yuecheng_housing.lib.periods import (
    PLAN_FIRST_MONTH,
    add_months,
    current_month,
    format_period,
    period_label,
    reporting_month,
    within_plan,
)
from yuecheng_housing.lib.query import id_param, parse_plan_period, year_from_request
from yuecheng_housing.lib.xlsx import XLSX
from yuecheng_housing.lib.xlsx_safety import (
    ACCEPTED,
    ReturnFileError,
    uploaded_returns,
)


def _scoped_unit(request: HttpRequest, period: date | None = None) -> Unit:
    """Return the unit asked for, only from those the user may write for; none
    asked, the first of them that owes a return for `period` (see _default_unit)."""
    units = reportable_units(request.user)
    raw = request.GET.get("unit") or request.POST.get("unit")
    if raw:
        unit_id = id_param(raw)
        unit = units.filter(pk=unit_id).first() if unit_id else None
        if unit is None:
            raise PermissionDenied("您无权填报该单位的数据。")
        return unit
    unit = _default_unit(units, period)
    if unit is None:
        raise PermissionDenied("您的账号没有可填报的单位，请联系管理员。")
    return unit


def _default_unit(units, period: date | None) -> Unit | None:
    """Return the first of `units` that owes a return for `period` (an admin may
    write for every unit, most of which have nothing to fill), else the first."""
    if period is not None:
        owing = obligations_for(year=period.year).units_owing_returns(period)
        ids = set(units.values_list("pk", flat=True))
        unit = next((u for u in owing if u.pk in ids), None)
        if unit is not None:
            return unit
    return units.order_by(*ROSTER_ORDER).first()


def _all_units():
    return Unit.objects.exclude(kind=Unit.Kind.GROUP)


def _period(request: HttpRequest):
    raw = request.GET.get("period") or request.POST.get("period")
    if not raw:
        return reporting_month()
    try:
        return parse_plan_period(raw)
    except ValueError as e:
        raise BadRequest(str(e)) from None


def _open_months(unit: Unit) -> list[tuple[int, list[tuple[str, str, bool]]]]:
    """Return every plan month up to this one, as (year, [(value, label, locked)]),
    newest first: a month of any year that is still open can be reached."""
    locked = set(
        MonthlyReport.objects.filter(
            unit=unit, status=MonthlyReport.Status.APPROVED
        ).values_list("period", flat=True)
    )
    years: dict[int, list[tuple[str, str, bool]]] = {}
    month = within_plan(current_month())
    while month >= PLAN_FIRST_MONTH:
        years.setdefault(month.year, []).append(
            (format_period(month), period_label(month), month in locked)
        )
        month = add_months(month, -1)
    return list(years.items())


def _entry_url(unit_id: int, period: date) -> str:
    url = reverse("reporting:report")
    return f"{url}?unit={unit_id}&period={format_period(period)}"


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _value_line(form: IndicatorValueForm) -> dict:
    return {
        "indicator": form.indicator,
        "value": form.cleaned_data["value"],
        "note": form.cleaned_data["note"],
        "decrease_reason": form.cleaned_data["decrease_reason"],
        "expected_version": form.cleaned_data["version"],
        "confirmed": form.cleaned_data["confirm"],
    }


def _item_line(form: ItemProgressForm) -> dict:
    return {
        "item": form.item,
        "status": form.cleaned_data["status"],
        "completed_on": form.cleaned_data["completed_on"],
        "note": form.cleaned_data["note"],
        "expected_version": form.cleaned_data["version"],
        "confirmed": form.cleaned_data["confirm"],
        "evidence": form.cleaned_data["evidence"],
    }


def _entry_errors_to_forms(errors: EntryErrors, value_forms, item_forms) -> list[str]:
    """Put each line's error on its form (a field's beside the field); return
    those that belong to no line (the month's)."""
    forms = {("indicator", f.indicator.pk): f for f in value_forms}
    forms |= {("item", f.item.pk): f for f in item_forms}
    unplaced = []
    for key, error in errors.errors.items():
        form = forms.get(key)
        if isinstance(error, NeedsConfirmation) and form is not None:
            # Shown with a checkbox: ticking it and saving again confirms.
            form.needs_confirmation = True
        if form is None:
            unplaced.append(_error_text(error))
        elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, errs in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            form.add_error(None, _error_text(error))
    return unplaced


@login_required
def report_entry(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    unit = _scoped_unit(request, period)
    entry = monthly_entry(unit=unit, period=period)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    value_forms = [
        IndicatorValueForm(data, indicator=line.subject, stored=line.stored)
        for line in entry.indicators
    ]
    item_forms = [
        ItemProgressForm(data, files, item=line.subject, stored=line.stored)
        for line in entry.items
    ]
    report_errors: list[str] = []

    if request.method == "POST":
        forms_valid = all(f.is_valid() for f in [*value_forms, *item_forms])
        try:
            # With a cell that could not be read, the lines that could are still
            # checked (and rolled back), so that every error shows at once.
            monthly_entry_save(
                user=request.user,
                unit=unit,
                period=period,
                values=[_value_line(f) for f in value_forms if not f.errors],
                items=[_item_line(f) for f in item_forms if not f.errors],
                submit=request.POST.get("action") == "submit",
                check_only=not forms_valid,
            )
        except EntryErrors as e:
            report_errors += _entry_errors_to_forms(e, value_forms, item_forms)
        except (Conflict, ValidationError) as e:
            report_errors.append(_error_text(e))
        else:
            if forms_valid:
                submitted = request.POST.get("action") == "submit"
                messages.success(
                    request,
                    f"{unit}{period_label(period)}数据已"
                    + ("报送，等待审核。" if submitted else "保存为草稿。"),
                )
                return redirect(_entry_url(unit.pk, period))
        report_errors.insert(0, "填报有误，未保存任何内容，请按提示修改后重新提交。")
        error_summary = _error_summary(value_forms, item_forms)
    else:
        error_summary = []

    settings_row = PlanSettings.load()
    report = entry.report
    today = timezone.localdate()
    state = return_state(
        report=report,
        period=period,
        deadline_day=settings_row.entry_deadline_day,
        as_of=today,
    )
    return render(
        request,
        "reporting/report_entry.html",
        {
            "unit": unit,
            "units": reportable_units(request.user),
            "period": period,
            "period_value": format_period(period),
            "months": _open_months(unit),
            "report": report,
            "locked": report is not None and report.is_locked,
            "return_state": state,
            "editable": report is None or edit_refusal(report) is None,
            "deadline": deadline_text(state, today=today),
            "value_lines": zip(
                entry.indicators,
                value_forms,
                _register_rates(entry, period),
                _ledger_figures(entry, unit, period),
                strict=True,
            ),
            "item_lines": zip(entry.items, item_forms, strict=True),
            "report_errors": report_errors,
            "error_summary": error_summary,
        },
    )


def _register_rates(entry, period: date) -> list:
    """For each indicator line, the 危房台账's rate of the month (11–13, shown
    before the unit types its own figure), else None."""
    codes = [line.subject.code for line in entry.indicators]
    rates = register_rates(periods={period}) if set(codes) & set(RATE_CODES) else {}
    return [rates.get((code, period)) for code in codes]


def _ledger_figures(entry, unit: Unit, period: date) -> list:
    """For each indicator line, the ledger's count of the month where the ledger
    drives the year (2, 4, 6, 7, 8, 10: shown before the unit types), else None."""
    figures = ledger_figures(
        {(line.subject, unit, period) for line in entry.indicators}
    )
    return [
        figures.get((line.subject.code, unit.pk, period)) for line in entry.indicators
    ]


def _error_summary(value_forms, item_forms) -> list[tuple[str, str]]:
    """Return (field id, message) for each refused field, in the page's order, for
    the summary at the top of the entry page that links to each field.

    Each names its line once: an indicator's value (or the whole line) by the
    indicator alone, another field as "indicator · field"."""
    summary = []
    for form in [*value_forms, *item_forms]:
        if isinstance(form, IndicatorValueForm):
            subject, main = f"{form.indicator.code}. {form.indicator.name}", "value"
        else:
            subject = (
                f"{form.item.entry.seq}-{form.item.position} "
                f"{Truncator(form.item.text).chars(20)}"
            )
            main = None
        for name, errors in form.errors.items():
            field = form[name] if name in form.fields else None
            if field is None or field.is_hidden:
                # The line's own errors (a missing version too) lead to its value.
                field, named = next(iter(form)), subject
            elif name == main:
                named = subject
            else:
                named = f"{subject} · {field.label}"
            for error in errors:
                summary.append((field.id_for_label, f"{named}：{error}"))
    return summary


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以审核报送。")


@login_required
def review(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    settings_row = PlanSettings.load()
    return render(
        request,
        "reporting/review.html",
        {
            "queue": review_queue(deadline_day=settings_row.entry_deadline_day),
        },
    )


def _report_for_admin(request: HttpRequest, report_id: int) -> MonthlyReport:
    _require_admin(request)
    report = MonthlyReport.objects.select_related("unit").filter(pk=report_id).first()
    if report is None:
        raise Http404("没有这份报送。")
    return report


@login_required
@require_POST
def review_decide(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_for_admin(request, report_id)
    comment = request.POST.get("comment", "").strip()[:2000]
    version = id_param(request.POST.get("version"))
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            report_approve(
                user=request.user,
                report=report,
                comment=comment,
                expected_version=version,
            )
            messages.success(request, f"已审核通过：{report}。该月已锁定。")
        elif decision == "send_back":
            report_send_back(
                user=request.user,
                report=report,
                comment=comment,
                expected_version=version,
            )
            messages.success(request, f"已退回：{report}。")
        else:
            messages.error(request, "请选择“审核通过”或“退回修改”。")
    except (Conflict, ValidationError) as e:
        messages.error(request, _error_text(e))
    return redirect("reporting:review")


@login_required
@require_POST
def report_withdraw_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """Withdraw a submitted month (撤回) so that the unit can correct it."""
    report = (
        MonthlyReport.objects.select_related("unit")
        .filter(pk=report_id, unit__in=reportable_units(request.user))
        .first()
    )
    if report is None:
        raise Http404("没有这份报送，或您无权撤回。")
    try:
        report_withdraw(
            user=request.user,
            report=report,
            expected_version=id_param(request.POST.get("version")),
        )
        messages.success(request, f"已撤回{report}的报送，可以修改后重新报送。")
    except (Conflict, ValidationError) as e:
        messages.error(request, _error_text(e))
    return redirect(_entry_url(report.unit_id, report.period))


@login_required
@require_POST
def report_reopen_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_for_admin(request, report_id)
    try:
        report_reopen(
            user=request.user,
            report=report,
            reason=request.POST.get("reason", "").strip()[:2000],
        )
        messages.success(request, f"已解锁并退回：{report}。")
    except (Conflict, ValidationError) as e:
        messages.error(request, _error_text(e))
    return redirect(_entry_url(report.unit_id, report.period))


@login_required
def report_history(request: HttpRequest) -> HttpResponse:
    """Every change to a unit's month: values, item progress, submission and review."""
    period = _period(request)
    if request.GET.get("unit"):
        unit_id = id_param(request.GET.get("unit"))
        unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
        if unit is None:
            raise BadRequest("没有这个单位，请从填报页或审核页的“历史”链接进入。")
    else:
        # No unit asked: the user's own unit that owes last month's return (a
        # reader's: the first unit that owes one), as /report/ opens on.
        mine = reportable_units(request.user)
        unit = _default_unit(mine if mine.exists() else _all_units(), period)
    report = MonthlyReport.objects.filter(unit=unit, period=period).first()
    if (
        report is not None
        and report.status in WORK_IN_PROGRESS
        and not may_see_work_in_progress(request.user, unit)
    ):
        raise PermissionDenied(
            "该月尚未报送（草稿或退回修改中），只有本单位填报员和管理员可以查看。"
        )
    events = report_changes(report) if report else []
    return render(
        request,
        "reporting/report_history.html",
        {
            "unit": unit,
            "period": period,
            "period_value": format_period(period),
            "months": _open_months(unit),
            "report": report,
            "events": events,
        },
    )


@login_required
def return_template_download(request: HttpRequest) -> HttpResponse:
    """The return template for one of the user's units (admins: any, or all)."""
    period = _period(request)
    if request.GET.get("unit") == "all":
        _require_admin(request)
        units = list(reportable_units(request.user).order_by(*ROSTER_ORDER))
    else:
        units = [_scoped_unit(request)]
    response = HttpResponse(
        return_template(units=units, period=period), content_type=XLSX
    )
    response["Content-Disposition"] = content_disposition_header(
        True, template_file_name(units, period)
    )
    return response


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """Upload returns: each file is kept and previewed in the background, then
    the batch's page shows the preview; nothing is written before it is confirmed."""
    _require_admin(request)
    file_errors = []
    if request.method == "POST":
        try:
            uploads = uploaded_returns(request.FILES.getlist("files"))
        except ReturnFileError as e:
            uploads, file_errors = [], [str(e)]
        if uploads:
            batch = imports_queue(
                files=uploads,
                user=request.user,
                submit=request.POST.get("then") == "submit",
            )
            return redirect("reporting:import_batch", batch=batch)
        file_errors = file_errors or ["请选择要上传的表格文件。"]
    return render(
        request,
        "reporting/imports.html",
        {
            "file_errors": file_errors,
            "history": ReturnImport.objects.select_related("uploaded_by").defer(
                "content", "outcome"
            )[:30],
            "period_value": format_period(reporting_month()),
            "accepted": ACCEPTED,
        },
    )


@login_required
def import_batch(request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    """The files uploaded together: their progress, then the preview with the
    button that imports the clean ones, then what the import did."""
    _require_admin(request)
    if request.method == "POST":
        if request.POST.get("action") == "commit":
            queued = batch_commit(batch=batch, user=request.user)
            if not queued:
                messages.error(
                    request, "没有可以导入的文件（须是本人上传、预览无误的文件）。"
                )
        elif request.POST.get("action") == "retry":
            if not batch_retry(batch=batch, user=request.user):
                messages.error(request, "没有可以重试的文件（须是本人上传的）。")
        return redirect("reporting:import_batch", batch=batch)
    files = batch_progress(batch)
    if not files:
        raise Http404("没有这批上传的文件。")
    logs = [f.log for f in files]
    clean = [
        log
        for log in logs
        if log.status == ReturnImport.Status.PREVIEW and log.uploaded_by == request.user
    ]
    return render(
        request,
        "reporting/import_batch.html",
        {
            "batch": batch,
            "files": files,
            "working": any(f.working for f in files),
            "importable": len(clean),
            "committing": any(log.action == ReturnImport.Action.COMMIT for log in logs),
            "then_submit": logs[0].then_submit,
            "retryable": any(
                (log.outcome or {}).get("retryable") and log.uploaded_by == request.user
                for log in logs
            ),
        },
    )


@login_required
def import_batch_progress(request: HttpRequest, batch: uuid.UUID) -> JsonResponse:
    """How far each file of a batch has got, for the page to poll."""
    _require_admin(request)
    files = batch_progress(batch)
    if not files:
        raise Http404("没有这批上传的文件。")
    return JsonResponse(
        {
            "working": any(f.working for f in files),
            "files": [
                {
                    "id": f.log.pk,
                    "status": f.log.get_status_display(),
                    "read": f.read,
                    "written": f.written,
                    "total": f.total,
                    "percent": f.percent,
                }
                for f in files
            ],
        }
    )


@login_required
def import_file(request: HttpRequest, import_id: int) -> HttpResponse:
    """The original file of an import, for admins."""
    _require_admin(request)
    log = ReturnImport.objects.filter(pk=import_id).first()
    if log is None:
        raise Http404("没有这条导入记录。")
    if not log.content:
        raise Http404("这条导入记录的原文件已不在服务器上。")
    response = HttpResponse(bytes(log.content), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, log.file_name)
    return response


@login_required
def work_list_upload(request: HttpRequest) -> HttpResponse:
    """Preview a year's work list from an 附件2-style spreadsheet, then create it."""
    _require_admin(request)
    draft, log, error = None, None, ""
    if request.method == "POST":
        if request.POST.get("action") == "commit":
            log = ReturnImport.objects.filter(
                pk=id_param(request.POST.get("upload")), uploaded_by=request.user
            ).first()
            data = bytes(log.content) if log else b""
        else:
            upload = request.FILES.get("worklist")
            data = upload.read() if upload else b""
            if upload:
                log = ReturnImport.objects.create(
                    content=data,
                    file_name=upload.name.rsplit("/", 1)[-1][:255],
                    sha256=hashlib.sha256(data).hexdigest(),
                    uploaded_by=request.user,
                )
        try:
            draft = parse_work_list(data)
            if request.POST.get("action") == "commit":
                work_list = work_list_create(draft=draft)
                messages.success(request, f"已创建{work_list.title}。")
                return redirect("reporting:imports")
        except ReturnFileError as e:
            error = str(e)
        except ValidationError as e:
            error = "；".join(e.messages)
    return render(
        request,
        "reporting/work_list_upload.html",
        {"draft": draft, "log": log, "error": error, "accepted": ACCEPTED},
    )


@login_required
def returns_export_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    year = year_from_request(request)
    response = HttpResponse(returns_export(year=year), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"住有宜居报送数据-{year}年.xlsx"
    )
    return response


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence file, for whoever may see the month it belongs to."""
    evidence = (
        visible_to(request.user, Evidence.objects.all(), report="progress__report")
        .filter(pk=evidence_id)
        .first()
    )
    # Someone who may not see the month learns nothing, not even that it exists.
    if evidence is None:
        raise Http404("没有这份佐证材料。")
    return evidence_response(evidence)
