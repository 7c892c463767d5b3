from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hazards.access import (
    may_enter_cases,
    reviewable_cases,
    visible_cases,
    writable_cases,
    writable_towns,
)
from hazards.clocks import State, periods_text
from hazards.forms import FilterForm, HazardCaseForm
from hazards.models import HazardCase, HazardEvidence
from hazards.rates import resolved_entries
from hazards.selectors import (
    case_for,
    case_rows,
    case_timeline,
    counts_by_town,
    judged,
    state_totals,
)
from hazards.services import hazard_case_review, hazard_case_save, hazard_evidence_add
from hazards.xlsx_import import hazard_list_import
from indicators.models import PlanSettings
from units.models import ROSTER_ORDER
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.evidence import evidence_response
from yuecheng_housing.lib.periods import day_label
from yuecheng_housing.lib.xlsx import sheet_response
from yuecheng_housing.lib.xlsx_safety import ACCEPTED, MAX_FILE_BYTES

PER_PAGE = 25

EXPORT_HEADERS = [
    "编号", "镇街", "地址", "类别", "困难家庭", "发现日期", "鉴定日期", "鉴定等级",
    "撤离日期", "整治方式", "整治完成日期", "救助到位日期", "状态", "期限", "时限说明",
    "备注", "版本",
]  # fmt: skip


def _filters(request: HttpRequest) -> dict:
    form = FilterForm(request.GET, user=request.user)
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()
        )
        raise BadRequest(f"筛选条件有误：{problems}")
    return form.cleaned_data


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The register: filters, counts by state per town, a page of cases."""
    filters = _filters(request)
    today = timezone.localdate()
    settings_row = PlanSettings.load()
    rows = case_rows(
        user=request.user,
        today=today,
        town=filters["town"],
        kind=filters["kind"],
        grade=filters["grade"],
        settings_row=settings_row,
    )
    # The counts show every state of the filtered towns and kinds; the list below
    # them is narrowed to the state asked for.
    counts = counts_by_town(rows)
    totals = state_totals(rows)
    if filters["state"]:
        rows = [row for row in rows if row.clock.state == filters["state"]]
    if request.GET.get("format") == "xlsx":
        return _export(rows, today)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "hazards/case_list.html",
        {
            "filter_form": FilterForm(request.GET, user=request.user),
            "page": page,
            "query": query.urlencode(),
            "counts": counts,
            "totals": totals,
            "total": sum(c.total for c in counts),
            "late_total": sum(c.late for c in counts),
            "states": State,
            "may_enter": may_enter_cases(request.user),
            "periods_text": periods_text(settings_row),
            "today": today,
            "resolved_entries": resolved_entries(),
        },
    )


def _export(rows, today) -> HttpResponse:
    lines = [
        [
            row.case.pk,
            row.case.town.name,
            row.case.address,
            row.case.get_kind_display(),
            "是" if row.case.hardship else "",
            row.case.found_on,
            row.case.appraised_on,
            row.case.get_grade_display(),
            row.case.evacuated_on,
            row.case.get_remedy_display(),
            row.case.remedied_on,
            row.case.relief_granted_on,
            row.clock.label,
            row.clock.due_on,
            "；".join(t for t in (row.clock.text(), row.clock.relief_text()) if t),
            row.case.note,
            # Imported back, a row changes its case only if nobody has since.
            row.case.version,
        ]
        for row in rows
    ]
    return sheet_response(
        filename=f"越城区危房台账-{today:%Y-%m-%d}.xlsx",
        title=f"越城区危房台账（{day_label(today)}）",
        sheet_name="危房台账",
        sections=[("", EXPORT_HEADERS, lines)],
    )


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for(user=request.user, case_id=case_id)
    if case is None:
        raise Http404("没有这条危房记录，或您无权查看。")
    settings_row = PlanSettings.load()
    (row,) = judged([case], today=timezone.localdate(), settings_row=settings_row)
    return render(
        request,
        "hazards/case_detail.html",
        {
            "case": case,
            "clock": row.clock,
            "timeline": case_timeline(case),
            "may_edit": writable_cases(request.user).filter(pk=case.pk).exists(),
            "may_review": reviewable_cases(request.user).filter(pk=case.pk).exists(),
            "periods_text": periods_text(settings_row),
        },
    )


def _error_to_form(form: HazardCaseForm, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, problems in error.error_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    elif isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(None, str(getattr(error, "message", error)))


def _case_form(request: HttpRequest, case: HazardCase | None) -> HttpResponse:
    towns = writable_towns(request.user).order_by(*ROSTER_ORDER)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = HazardCaseForm(data, files, towns=towns, case=case)
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = hazard_case_save(
                    user=request.user,
                    data=form.case_data(),
                    case_id=case.pk if case else None,
                    expected_version=form.cleaned_data["version"],
                    confirmed=form.cleaned_data["confirm"],
                    reason="页面登记" if case is None else "页面修改",
                )
                upload = form.cleaned_data["evidence"]
                if upload is not None:
                    hazard_evidence_add(
                        user=request.user, case_id=saved.pk, upload=upload
                    )
        except NeedsConfirmation as e:
            warnings = e.warnings
        except (ValidationError, Conflict) as e:
            _error_to_form(form, e)
        else:
            messages.success(request, f"已保存：{saved.town} {saved.address}。")
            return redirect(saved)
    return render(
        request,
        "hazards/case_form.html",
        {
            "form": form,
            "case": case,
            "warnings": warnings,
            "periods_text": periods_text(PlanSettings.load()),
        },
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not may_enter_cases(request.user):
        raise PermissionDenied("只有镇街（及管理员）可以登记危房。")
    return _case_form(request, None)


@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = (
        writable_cases(request.user).select_related("town").filter(pk=case_id).first()
    )
    if case is None:
        raise PermissionDenied("您无权修改这条危房记录（不属于您的镇街或不存在）。")
    return _case_form(request, case)


@login_required
@require_POST
def case_review(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        hazard_case_review(
            user=request.user, case_id=case_id, comment=request.POST.get("comment", "")
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, "已记录核查意见。")
    return redirect("hazards:detail", case_id=case_id)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """A case's file, for whoever may see the case; sent as an attachment."""
    evidence = HazardEvidence.objects.filter(
        case__in=visible_cases(request.user), pk=evidence_id
    ).first()
    # Someone who may not see the case learns nothing, not even that it exists.
    if evidence is None:
        raise Http404("没有这份材料。")
    return evidence_response(evidence)


@login_required
def case_import(request: HttpRequest) -> HttpResponse:
    """A town's list from a spreadsheet (the export's columns), previewed, then
    written."""
    if not may_enter_cases(request.user):
        raise PermissionDenied("只有镇街（及管理员）可以导入危房台账。")
    result, dry_run, confirmed = None, True, False
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = request.POST.get("dry_run") == "on"
        confirmed = request.POST.get("confirm") == "on"
        if upload is None:
            messages.error(request, "请选择要导入的表格文件。")
        elif upload.size > MAX_FILE_BYTES:
            messages.error(request, f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB上限。")
        else:
            result = hazard_list_import(
                user=request.user,
                content=upload.read(),
                dry_run=dry_run,
                confirmed=confirmed,
                reason=f"Excel导入：{upload.name[-100:]}",
            )
    return render(
        request,
        "hazards/case_import.html",
        {
            "result": result,
            "dry_run": dry_run,
            "confirmed": confirmed,
            "accepted": ACCEPTED,
        },
    )
