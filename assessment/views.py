"""The assessment's pages: the table (officials, admins), the scheme and the
adjustments (admins), each unit's sheet (the unit, officials, admins), and the
objection, answer and correction forms."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from assessment.access import may_object, may_see_sheet, may_see_table
from assessment.docx import sheet_docx
from assessment.forms import (
    AdjustmentForm,
    AnswerForm,
    CorrectionForm,
    ObjectionForm,
    PublishForm,
    SchemeForm,
)
from assessment.models import Adjustment, ListKind, Objection
from assessment.parts import PARTS
from assessment.selectors import (
    assessment_table,
    schemes_of,
    unit_sheet,
)
from assessment.services import (
    adjustment_add,
    adjustment_remove,
    correction_fields,
    objection_answer,
    objection_file,
    result_correct,
    result_publish,
    scheme_save,
)
from dashboard.ranking import year_settles_on
from indicators.models import PlanSettings
from reporting.selectors import default_plan_year
from units.models import Unit
from units.roles import is_admin
from units.selectors import reportable_units
from yuecheng_housing.lib.errors import Conflict
from yuecheng_housing.lib.periods import PLAN_YEARS, day_label
from yuecheng_housing.lib.xlsx import sheet_response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _plan_year(year: int) -> int:
    if year not in PLAN_YEARS:
        raise Http404(f"没有{year}年度的考核：方案年度为2023—2027年。")
    return year


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _form_errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


def _require_admin(request: HttpRequest, what: str) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(f"只有管理员可以{what}。")


def _sheet_unit(request: HttpRequest, unit_id: int) -> Unit:
    """The unit whose sheet is asked for, if the reader may see it: officials,
    admins and the unit's own staff; anyone else is refused."""
    unit = Unit.objects.filter(pk=unit_id).exclude(kind=Unit.Kind.GROUP).first()
    if unit is None:
        raise Http404(f"没有编号为{unit_id}的单位。")
    if not may_see_sheet(request.user, unit):
        raise PermissionDenied("只能查看本单位的考核表。")
    return unit


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """考核 in the navigation: the table, or a unit's own sheet for its staff."""
    year = default_plan_year()
    if may_see_table(request.user):
        return redirect("assessment:table", year=year)
    own = reportable_units(request.user).order_by("pk").first()
    if own is None:
        raise PermissionDenied("您的账号没有所属单位，不能查看考核表。")
    return redirect("assessment:sheet", year=year, unit_id=own.pk)


def _table_rows(table) -> tuple[list[str], list[list]]:
    keys = list(PARTS)
    headers = [
        "榜单",
        "名次",
        "单位",
        *(f"{PARTS[k].label}（得分）" for k in keys),
        "基础得分",
        "加分",
        "扣分",
        "一票否决",
        "总分",
        "等次",
    ]
    rows = []
    for row in table.snapshot["rows"]:
        parts = row["parts"]
        rows.append(
            [
                ListKind(row["list"]).label,
                row["rank"] or "—",
                row["unit"],
                *(
                    "—"
                    if k not in parts
                    else (
                        f"{parts[k]['points']:g}（{parts[k]['summary']}）"
                        if parts[k]["points"] is not None
                        else "不适用"
                    )
                    for k in keys
                ),
                "—" if row["base"] is None else row["base"],
                row["bonus"],
                row["deduction"],
                "是" if row["vetoed"] else "",
                "—" if row["total"] is None else row["total"],
                row["grade"],
            ]
        )
    return headers, rows


def _sections(result_table) -> list[tuple]:
    """(title, part labels, [(row, its parts in that order)], rows apart, whether
    the list has a scheme) of each list; a unit with no part that applies is named
    apart, not as a row of dashes (as on the ranking page). Without a scheme no
    unit is scored, and none is said to have nothing to score."""
    sections = []
    for kind, title, rows in result_table.lists:
        if kind not in result_table.snapshot["schemes"]:
            sections.append((title, [], [], [], False))
            continue
        keys = result_table.part_keys(kind)
        labels = [
            result_table.snapshot["parts"].get(k, {}).get("label", k) for k in keys
        ]
        scored = [r for r in rows if r["total"] is not None or r["vetoed"]]
        sections.append(
            (
                title,
                labels,
                [(row, [row["parts"].get(k) for k in keys]) for row in scored],
                [r for r in rows if r not in scored],
                True,
            )
        )
    return sections


@login_required
def table(request: HttpRequest, year: int) -> HttpResponse:
    _plan_year(year)
    if not may_see_table(request.user):
        raise PermissionDenied(
            "考核结果总表仅供领导和管理员查看；请从“考核”进入本单位的考核表。"
        )
    result_table = assessment_table(year=year, today=timezone.localdate())
    state = "已发布" if result_table.published else "试算（未发布）"
    if request.GET.get("format") == "xlsx":
        headers, rows = _table_rows(result_table)
        return sheet_response(
            filename=f"住有宜居年度考核-{year}年.xlsx",
            title=f"越城区“住有宜居”{year}年度考核结果（{state}，数据截至"
            f"{day_label(date.fromisoformat(result_table.snapshot['as_of']))}）",
            sheet_name=f"年度考核（{year}年）",
            sections=[("", headers, rows)],
        )
    settings_row = PlanSettings.load()
    return render(
        request,
        "assessment/table.html",
        {
            "year": year,
            "years": list(PLAN_YEARS),
            "table": result_table,
            "state": state,
            "parts": PARTS,
            "lists": _sections(result_table),
            "is_admin": is_admin(request.user),
            "publish_form": PublishForm(),
            "publishable_on": year_settles_on(year, settings_row.entry_deadline_day),
        },
    )


@login_required
def scheme(request: HttpRequest, year: int) -> HttpResponse:
    """The year's scheme (one form per list) and its adjustments (admins)."""
    _plan_year(year)
    _require_admin(request, "设定考核方案")
    schemes = schemes_of(year)
    forms = {
        kind: SchemeForm(
            request.POST if request.POST.get("list_kind") == kind else None,
            list_kind=kind,
            initial_weights=schemes[kind].weights if kind in schemes else {},
        )
        for kind in ListKind.values
    }
    adjustment_form = AdjustmentForm(
        request.POST if request.POST.get("action") == "adjustment" else None
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "adjustment":
                if adjustment_form.is_valid():
                    adjustment_add(
                        year=year, user=request.user, **adjustment_form.cleaned_data
                    )
                    messages.success(request, "已录入。")
                    return redirect("assessment:scheme", year=year)
            elif request.POST.get("action") == "remove":
                adjustment_remove(
                    adjustment_id=int(request.POST.get("adjustment") or 0),
                    user=request.user,
                )
                messages.success(request, "已撤回该条加减分。")
                return redirect("assessment:scheme", year=year)
            elif (kind := request.POST.get("list_kind")) in forms:
                form = forms[kind]
                if form.is_valid():
                    scheme_save(
                        year=year,
                        list_kind=kind,
                        weights=form.weights(),
                        user=request.user,
                    )
                    messages.success(request, f"已保存{ListKind(kind).label}考核方案。")
                    return redirect("assessment:scheme", year=year)
            else:
                messages.error(request, "无法识别的操作。")
        except (ValidationError, Conflict) as e:
            messages.error(request, _error_text(e))
            if isinstance(e, ValidationError) and hasattr(e, "error_dict"):
                target = (
                    adjustment_form
                    if request.POST.get("action") == "adjustment"
                    else None
                )
                if target is not None:
                    for field, errs in e.error_dict.items():
                        if field in target.fields:
                            target.add_error(field, errs)
        except ValueError:
            messages.error(request, "无法识别的加减分编号。")
    return render(
        request,
        "assessment/scheme.html",
        {
            "year": year,
            "forms": [(kind, ListKind(kind).label, forms[kind]) for kind in forms],
            "adjustment_form": adjustment_form,
            "adjustments": Adjustment.objects.filter(year=year).select_related(
                "unit", "created_by"
            ),
            "table": None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def publish(request: HttpRequest, year: int) -> HttpResponse:
    _plan_year(year)
    _require_admin(request, "发布考核结果")
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("assessment:table", year=year)
    try:
        result_publish(
            year=year,
            user=request.user,
            objection_days=form.cleaned_data["objection_days"],
        )
    except (ValidationError, Conflict) as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, f"已发布{year}年度考核结果。")
    return redirect("assessment:table", year=year)


@login_required
def sheet(request: HttpRequest, year: int, unit_id: int) -> HttpResponse:
    _plan_year(year)
    unit = _sheet_unit(request, unit_id)
    today = timezone.localdate()
    data = unit_sheet(year=year, unit=unit, today=today)
    result = data.table.result
    admin = is_admin(request.user)
    if request.GET.get("format") == "docx":
        if data.row is None:
            raise Http404(f"{unit.name}不在{year}年度考核范围内。")
        published = (
            f"{day_label(result.published_on)}发布" if result else "试算，未发布"
        )
        content = sheet_docx(
            year=year,
            row=data.row,
            published=published,
            as_of=day_label(date.fromisoformat(data.table.snapshot["as_of"])),
        )
        response = HttpResponse(content, content_type=DOCX)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{year}年度考核表-{unit.name}.docx"
        )
        return response
    fields = correction_fields(data.row) if data.row else []
    return render(
        request,
        "assessment/sheet.html",
        {
            "year": year,
            "unit": unit,
            "sheet": data,
            "row": data.row,
            "result": result,
            "table": data.table,
            "is_admin": admin,
            "may_see_table": may_see_table(request.user),
            "may_object": result is not None
            and data.row is not None
            and may_object(request.user, unit)
            and today <= data.deadline,
            "window_closed": result is not None and today > data.deadline,
            "deadline_label": day_label(data.deadline) if data.deadline else "",
            "objection_form": ObjectionForm(),
            "answer_forms": {
                o.pk: AnswerForm(prefix=f"o{o.pk}", fields=fields)
                for o in data.objections
                if not o.answered
            }
            if admin
            else {},
            "correction_form": CorrectionForm(fields=fields)
            if admin and result is not None and data.row
            else None,
        },
    )


def _back(year: int, unit: Unit) -> HttpResponse:
    return redirect(reverse("assessment:sheet", args=[year, unit.pk]))


@login_required
@require_POST
def objection(request: HttpRequest, year: int, unit_id: int) -> HttpResponse:
    _plan_year(year)
    unit = _sheet_unit(request, unit_id)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(year, unit)
    try:
        objection_file(
            year=year, unit=unit, text=form.cleaned_data["text"], user=request.user
        )
    except (ValidationError, Conflict) as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, "已提出异议，管理员答复后将显示在本页。")
    return _back(year, unit)


@login_required
@require_POST
def answer(request: HttpRequest, year: int, objection_id: int) -> HttpResponse:
    _plan_year(year)
    _require_admin(request, "答复异议")
    target = (
        Objection.objects.select_related("result", "unit")
        .filter(pk=objection_id, result__year=year)
        .first()
    )
    if target is None:
        raise Http404("没有这条异议。")
    row = next(
        (r for r in target.result.snapshot["rows"] if r["unit_id"] == target.unit_id),
        None,
    )
    form = AnswerForm(
        request.POST,
        prefix=f"o{target.pk}",
        fields=correction_fields(row) if row else [],
    )
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(year, target.unit)
    try:
        objection_answer(
            objection_id=target.pk,
            answer=form.cleaned_data["answer"],
            correction=form.correction(),
            user=request.user,
        )
    except (ValidationError, Conflict) as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, "已答复。")
    return _back(year, target.unit)


@login_required
@require_POST
def correct(request: HttpRequest, year: int, unit_id: int) -> HttpResponse:
    _plan_year(year)
    _require_admin(request, "更正考核结果")
    unit = _sheet_unit(request, unit_id)
    data = unit_sheet(year=year, unit=unit)
    form = CorrectionForm(
        request.POST, fields=correction_fields(data.row) if data.row else []
    )
    if not form.is_valid() or not form.correction():
        messages.error(request, _form_errors(form) or "请选择要更正的项目。")
        return _back(year, unit)
    try:
        result_correct(year=year, unit=unit, user=request.user, **form.correction())
    except (ValidationError, Conflict) as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, "已更正，并记录了更正理由。")
    return _back(year, unit)
