from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from indicators.models import Indicator
from projects.access import may_enter_projects, visible_projects, writable_projects
from projects.counts import RULE
from projects.forms import AdvanceForm, FileForm, FilterForm, ProjectForm, YearForm
from projects.kinds import KINDS, Kind
from projects.models import ProjectFile
from projects.selectors import (
    LedgerByTown,
    investment_by_town,
    late_stages,
    ledger_by_town,
    project_for,
    project_rows,
)
from projects.services import (
    ledger_year_set,
    project_file_add,
    project_save,
    project_stage_advance,
)
from projects.xlsx_import import export_headers, ledger_import
from units.roles import is_admin
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.evidence import MAX_EVIDENCE_BYTES, evidence_response
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR, day_label
from yuecheng_housing.lib.xlsx import sheet_response
from yuecheng_housing.lib.xlsx_safety import ACCEPTED, MAX_FILE_BYTES

PER_PAGE = 25
# Units to a page in the count by town and the investment table.
TOWNS_PER_PAGE = 50


def paged(request: HttpRequest, rows: list, param: str) -> tuple[Page, str]:
    """One page of `rows` (TOWNS_PER_PAGE, `?<param>=`) and the query of the
    other parameters, for its links."""
    query = request.GET.copy()
    query.pop(param, None)
    page = Paginator(rows, TOWNS_PER_PAGE).get_page(request.GET.get(param))
    return page, query.urlencode()


def town_counts_paged(request: HttpRequest, by_town: LedgerByTown) -> LedgerByTown:
    """The count by town a page of towns at a time (`?tpage=`); its totals stay
    those of every town."""
    by_town.page, by_town.page_query = paged(request, by_town.towns, "tpage")
    return by_town


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
    form = YearForm(request.GET)
    year = form.cleaned_data["year"] if form.is_valid() else None
    investment = investment_by_town(user=request.user, year=year)
    investment.page, query = paged(request, investment.rows, "ipage")
    return render(
        request,
        "projects/index.html",
        {
            "kinds": [(k, counts.get(k.key, 0)) for k in KINDS.values()],
            "year_form": form,
            "investment": investment,
            "year": year,
            "query": query,
        },
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
            "by_town": town_counts_paged(
                request, ledger_by_town(indicator=indicator, year=year, today=today)
            ),
            "may_enter": may_enter_projects(request.user),
            "is_admin": is_admin(request.user),
            "rule": RULE,
            "today": today,
        },
    )


def _export(kind: Kind, rows, today) -> HttpResponse:
    """The ledger in the layout its import reads (projects.xlsx_import), with
    the 编号 and 版本 that let an edited export change the same projects."""
    columns = export_headers(kind)
    lines = []
    for p in rows:
        stages = {s.stage: s for s in p.stages.all()}
        shown = {
            "id": p.pk,
            "version": p.version,
            "name": p.name,
            "town": p.town.name,
            "year": p.year,
            "quantity": p.quantity,
            "households": p.households,
            "buildings": p.buildings,
            "raising": p.get_raising_display(),
            "setting": p.get_setting_display(),
            "award_level": p.get_award_level_display(),
            "planned_investment": p.planned_investment,
            "spent_investment": p.spent_investment,
            "funding_source": p.funding_source,
            "note": p.note,
        }
        for stage in kind.stages:
            row = stages.get(stage.key)
            shown[f"{stage.key}_planned"] = row.planned_on if row else None
            shown[f"{stage.key}_reached"] = row.reached_on if row else None
        derived = {"当前阶段": p.stage_label, "滞后": "是" if p.late else ""}
        lines.append(
            [shown[name] if name else derived[header] for header, name in columns]
        )
    return sheet_response(
        filename=f"越城区{kind.label}台账-{today:%Y-%m-%d}.xlsx",
        title=f"越城区{kind.label}台账（{day_label(today)}）",
        sheet_name=f"{kind.label}台账",
        sections=[("", [header for header, _ in columns], lines)],
    )


@login_required
def ledger_import_view(request: HttpRequest, kind: str) -> HttpResponse:
    """A ledger from a spreadsheet (the export's columns), previewed, then
    written; nothing is written while any row is refused."""
    spec = _kind(kind)
    if not may_enter_projects(request.user):
        raise PermissionDenied("您所在的单位不登记项目。")
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
            result = ledger_import(
                user=request.user,
                kind=spec,
                content=upload.read(),
                dry_run=dry_run,
                confirmed=confirmed,
                reason=f"Excel导入：{upload.name[-100:]}",
            )
    return render(
        request,
        "projects/ledger_import.html",
        {
            "kind": spec,
            "columns": [h for h, name in export_headers(spec) if name],
            "result": result,
            "dry_run": dry_run,
            "confirmed": confirmed,
            "accepted": ACCEPTED,
        },
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
    late = set(
        late_stages(today).filter(project=project).values_list("stage", flat=True)
    )
    stages = [
        {
            "stage": s,
            "row": stored.get(s.key),
            "counts": s.key == spec.counts_at,
            "late": s.key in late,
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
    files = list(project.files.all())
    return render(
        request,
        "projects/project_detail.html",
        {
            "kind": spec,
            "project": project,
            "stages": stages,
            "advance": advance if next_stage and may_edit else None,
            "may_edit": may_edit,
            "photos": [
                (label, [f for f in files if f.category == key])
                for key, label in ProjectFile.Category.choices
                if key != ProjectFile.Category.DOCUMENT
            ],
            "documents": [f for f in files if f.category == "document"],
            "file_form": FileForm() if may_edit else None,
            "file_limit": MAX_EVIDENCE_BYTES // 1024 // 1024,
        },
    )


@login_required
@require_POST
def project_file_upload(
    request: HttpRequest, kind: str, project_id: int
) -> HttpResponse:
    """A photo before or after, or a document, for a project of the user's unit."""
    _kind(kind)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择类别和要上传的文件。")
        return redirect("projects:detail", kind, project_id)
    try:
        saved = project_file_add(
            user=request.user,
            project_id=project_id,
            category=form.cleaned_data["category"],
            upload=form.cleaned_data["file"],
        )
    except ValidationError as e:
        messages.error(request, "未上传：" + "；".join(e.messages))
    else:
        messages.success(
            request, f"已上传{saved.get_category_display()}：{saved.original_name}。"
        )
    return redirect("projects:detail", kind, project_id)


@login_required
def project_file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    """A project's photo or document, for whoever may see the project."""
    record = ProjectFile.objects.filter(
        project__in=visible_projects(request.user), pk=file_id
    ).first()
    # Someone who may not see the project learns nothing, not even that it exists.
    if record is None:
        raise Http404("没有这个文件。")
    return evidence_response(record)


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
