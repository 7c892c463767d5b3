from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from indicators.models import Indicator
from projects.access import may_enter_projects, visible_projects, writable_projects
from projects.counts import RULE
from projects.forms import AdvanceForm, FilterForm, ProjectForm
from projects.kinds import KINDS, Kind
from projects.selectors import ledger_by_town, project_for, project_rows
from projects.services import ledger_year_set, project_save, project_stage_advance
from units.roles import is_admin
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR, day_label
from yuecheng_housing.lib.xlsx import sheet_response

PER_PAGE = 25


def _this_year(today) -> int:
    return min(max(today.year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)


def _kind(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise Http404("没有这个台账。")
    return kind


@login_required
def ledger_index(request: HttpRequest) -> HttpResponse:
    """The six ledgers, with how many projects of each the user may see."""
    counts = dict(
        visible_projects(request.user)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return render(
        request,
        "projects/index.html",
        {"kinds": [(k, counts.get(k.key, 0)) for k in KINDS.values()]},
    )


@login_required
def project_list(request: HttpRequest, kind: str) -> HttpResponse:
    """A ledger: the count by town against each town's share, then its projects."""
    spec = _kind(kind)
    form = FilterForm(request.GET, kind=spec)
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()
        )
        raise BadRequest(f"筛选条件有误：{problems}")
    filters = form.cleaned_data
    today = timezone.localdate()
    year = filters["year"] or _this_year(today)
    rows = project_rows(
        user=request.user, kind=spec, today=today, town=filters["town"],
        year=filters["year"], stage=filters["stage"], late=filters["late"],
    )  # fmt: skip
    if request.GET.get("format") == "xlsx":
        return _export(spec, rows, today)
    query = request.GET.copy()
    query.pop("page", None)
    indicator = Indicator.objects.get(code=spec.code)
    return render(
        request,
        "projects/project_list.html",
        {
            "kind": spec,
            "filter_form": form,
            "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "by_town": ledger_by_town(indicator=indicator, year=year, today=today),
            "may_enter": may_enter_projects(request.user),
            "is_admin": is_admin(request.user),
            "rule": RULE,
            "today": today,
        },
    )


def _export(kind: Kind, rows, today) -> HttpResponse:
    headers = [
        "编号", kind.name_label, "镇街/平台", "年度计划", kind.quantity_label,
        "当前阶段", *(f"{s.label}完成日期" for s in kind.stages),
        "计划投资（万元）", "已完成投资（万元）", "资金来源", "滞后", "备注",
    ]  # fmt: skip
    lines = []
    for p in rows:
        reached = {s.stage: s.reached_on for s in p.stages.all()}
        lines.append(
            [
                p.pk,
                p.name,
                p.town.name,
                p.year,
                p.quantity,
                p.stage_label,
                *(reached.get(s.key) for s in kind.stages),
                p.planned_investment,
                p.spent_investment,
                p.funding_source,
                "是" if p.late else "",
                p.note,
            ]  # fmt: skip
        )
    return sheet_response(
        filename=f"越城区{kind.label}台账-{today:%Y-%m-%d}.xlsx",
        title=f"越城区{kind.label}台账（{day_label(today)}）",
        sheet_name=f"{kind.label}台账",
        sections=[("", headers, lines)],
    )


def _save(request: HttpRequest, spec: Kind, project=None) -> HttpResponse:
    initial = (
        ProjectForm.initial_for(project)
        if project
        else {"year": _this_year(timezone.localdate())}
    )
    form = ProjectForm(
        request.POST or None, kind=spec, user=request.user, initial=initial
    )
    warnings = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = project_save(
                user=request.user,
                data=form.to_data(),
                project_id=project.pk if project else None,
                expected_version=form.cleaned_data.get("version") if project else None,
                confirmed=form.cleaned_data["confirm"],
            )
        except NeedsConfirmation as e:
            warnings = e.warnings
        except ValidationError as e:
            for name, errors in e.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except (PermissionDenied, Conflict) as e:
            form.add_error(None, str(e.args[0] if e.args else e))
        else:
            messages.success(request, f"已保存：{saved.name}。")
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "projects/project_form.html",
        {"kind": spec, "form": form, "project": project, "warnings": warnings},
    )


@login_required
def project_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    if not may_enter_projects(request.user):
        raise PermissionDenied("您所在的单位不登记项目。")
    return _save(request, spec)


@login_required
def project_edit(request: HttpRequest, kind: str, project_id: int) -> HttpResponse:
    spec = _kind(kind)
    project = project_for(user=request.user, kind=kind, project_id=project_id)
    if project is None:
        raise Http404("没有这个项目，或您无权查看。")
    return _save(request, spec, project)


@login_required
def project_detail(request: HttpRequest, kind: str, project_id: int) -> HttpResponse:
    spec = _kind(kind)
    project = project_for(user=request.user, kind=kind, project_id=project_id)
    if project is None:
        raise Http404("没有这个项目，或您无权查看。")
    today = timezone.localdate()
    stored = {s.stage: s for s in project.stages.all()}
    stages = [
        {
            "stage": s,
            "row": stored.get(s.key),
            "counts": s.key == spec.counts_at,
            "late": bool(
                (row := stored.get(s.key))
                and row.planned_on
                and row.planned_on < today
                and row.reached_on is None
            ),
        }
        for s in spec.stages
    ]
    next_stage = next((s["stage"].key for s in stages if not (
        s["row"] and s["row"].reached_on)), None)  # fmt: skip
    advance = AdvanceForm(
        kind=spec,
        initial={"stage": next_stage, "reached_on": today, "version": project.version},
    )
    may_edit = writable_projects(request.user).filter(pk=project.pk).exists()
    return render(
        request,
        "projects/project_detail.html",
        {
            "kind": spec,
            "project": project,
            "stages": stages,
            "advance": advance if next_stage and may_edit else None,
            "may_edit": may_edit,
        },
    )


@login_required
@require_POST
def project_advance(request: HttpRequest, kind: str, project_id: int) -> HttpResponse:
    spec = _kind(kind)
    form = AdvanceForm(request.POST, kind=spec)
    if not form.is_valid():
        raise BadRequest("请选择阶段并填写完成日期。")
    try:
        project = project_stage_advance(
            user=request.user,
            project_id=project_id,
            stage=form.cleaned_data["stage"],
            reached_on=form.cleaned_data["reached_on"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as e:
        messages.error(request, "未保存：" + "；".join(e.messages))
    except Conflict as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已记录：{project.stage_label}。")
    return redirect("projects:detail", kind, project_id)


@login_required
@require_POST
def ledger_switch(request: HttpRequest, kind: str) -> HttpResponse:
    """An admin turns the ledger's count on (or off) for a year's verdicts."""
    spec = _kind(kind)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as e:
        raise BadRequest("年度有误。") from e
    drives = request.POST.get("drives") == "1"
    ledger_year_set(
        user=request.user,
        indicator=Indicator.objects.get(code=spec.code),
        year=year,
        drives=drives,
    )
    state = "按台账计数" if drives else "按填报数判定"
    messages.success(request, f"{spec.label}{year}年起改为{state}。")
    return redirect(f"{request.path.rsplit('switch/', 1)[0]}?year={year}")
