from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from supervision.access import feedback_units, may_manage, visible_items
from supervision.forms import ExtensionForm, FilterForm, ItemForm, ReasonForm
from supervision.lights import LABELS as LIGHT_LABELS
from supervision.models import SupervisionEvidence, SupervisionItem, SupervisionSettings
from supervision.selectors import item_for, item_row, item_rows
from supervision.services import (
    item_accept,
    item_apply,
    item_assign,
    item_cancel,
    item_extension_ask,
    item_extension_grant,
    item_extension_refuse,
    item_receive,
    item_send_back,
    item_urge,
)
from units.models import ROSTER_ORDER, Unit
from yuecheng_housing.lib.errors import Conflict
from yuecheng_housing.lib.evidence import evidence_response
from yuecheng_housing.lib.periods import day_label
from yuecheng_housing.lib.xlsx import sheet_response

State = SupervisionItem.State

EXPORT_HEADERS = [
    "编号", "事项名称", "来源", "牵头单位", "配合单位", "交办日期", "办结期限", "状态",
    "亮灯", "说明", "办结（申请）日期", "验收日期", "督办内容",
]  # fmt: skip


def _filter_units(user) -> "Unit.objects":
    """The units the list's filter offers: those the reader's items name."""
    return (
        Unit.objects.filter(supervision_items__item__in=visible_items(user))
        .distinct()
        .select_related("parent")
        .order_by(*ROSTER_ORDER)
    )


def _filters(request: HttpRequest) -> tuple[FilterForm, dict]:
    form = FilterForm(request.GET, units=_filter_units(request.user))
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()
        )
        raise BadRequest(f"筛选条件有误：{problems}")
    return form, form.cleaned_data


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """The items the reader may see, filtered, with their lights; Excel export."""
    form, filters = _filters(request)
    today = timezone.localdate()
    settings_row = SupervisionSettings.load()
    rows = item_rows(
        user=request.user,
        today=today,
        unit=filters["unit"],
        state=filters["state"],
        light_code=filters["light"],
        source=filters["source"],
        year=filters["year"],
        settings_row=settings_row,
    )
    if request.GET.get("format") == "xlsx":
        return _export(rows, today)
    query = request.GET.copy()
    query.pop("format", None)
    counts = {code: 0 for code in LIGHT_LABELS}
    for row in rows:
        counts[row.light.code] += 1
    return render(
        request,
        "supervision/item_list.html",
        {
            "filter_form": form,
            "rows": rows,
            "query": query.urlencode(),
            "counts": [(code, LIGHT_LABELS[code], n) for code, n in counts.items()],
            "may_manage": may_manage(request.user),
            "today": today,
            "due_soon_days": settings_row.due_soon_days,
        },
    )


def _export(rows, today) -> HttpResponse:
    lines = [
        [
            row.item.pk,
            row.item.title,
            row.item.get_source_display(),
            row.lead.name if row.lead else "",
            "、".join(u.name for u in row.co_units),
            row.item.assigned_on,
            row.item.deadline,
            row.item.get_state_display(),
            row.light.label,
            row.light.text,
            row.item.finished_on,
            row.item.closed_on,
            row.item.text,
        ]
        for row in rows
    ]
    return sheet_response(
        filename=f"越城区督办事项-{today:%Y-%m-%d}.xlsx",
        title=f"越城区“住有宜居”督办事项（{day_label(today)}）",
        sheet_name="督办事项",
        sections=[("", EXPORT_HEADERS, lines)],
    )


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied("只有管理员（督办办公室）可以交办督办事项。")
    form = ItemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = item_assign(
                user=request.user,
                data=form.item_data(),
                files=form.cleaned_data["files"],
            )
        except ValidationError as e:
            _to_form(form, e)
        else:
            messages.success(request, f"已交办：{item.title}。")
            return redirect(item)
    return render(request, "supervision/item_form.html", {"form": form})


def _to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.error_dict.items():
            target = "co_units" if field == "units" else field
            form.add_error(target if target in form.fields else None, problems)
    else:
        form.add_error(None, error)


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = item_for(user=request.user, item_id=item_id)
    if item is None:
        raise Http404("没有这个督办事项，或您无权查看。")
    settings_row = SupervisionSettings.load()
    row = item_row(item, today=timezone.localdate(), settings_row=settings_row)
    own = feedback_units(request.user, item)
    manager = may_manage(request.user)
    open_ = item.state in (State.ASSIGNED, State.IN_PROGRESS)
    return render(
        request,
        "supervision/item_detail.html",
        {
            "item": item,
            "row": row,
            "events": item.events.all(),
            "files": [f for e in item.events.all() for f in e.evidence.all()],
            "own_units": own,
            "may_receive": bool(own) and item.state == State.ASSIGNED,
            "may_apply": bool(own) and open_,
            "may_ask_extension": bool(own) and open_ and not item.extension_until,
            "may_manage": manager,
            "may_decide": manager and item.state == State.APPLIED,
            "may_decide_extension": manager and open_ and item.extension_until,
            "may_urge": manager and open_,
            "may_cancel": manager
            and item.state in (State.ASSIGNED, State.IN_PROGRESS, State.APPLIED),
            "extension_form": ExtensionForm(initial={"version": item.version}),
            "reason_form": ReasonForm(initial={"version": item.version}),
            "due_soon_days": settings_row.due_soon_days,
        },
    )


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:4000]


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    if not raw.isdigit():
        # A post without the version it was drawn from is refused, never
        # last-write-wins.
        raise ValidationError("缺少版本号：请刷新页面后再提交。", code="no_version")
    return int(raw)


def _date(request: HttpRequest, name: str, label: str) -> date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"{label}格式有误，请选择日期。", code="invalid"
        ) from None


# Each action: the service it calls, what it needs from the form, and what it says.
ACTIONS: dict[str, tuple[Callable, str]] = {
    "receive": (
        lambda r, i: item_receive(user=r.user, item_id=i, expected_version=_version(r)),
        "已签收，事项进入办理中。",
    ),
    "apply": (
        lambda r, i: item_apply(
            user=r.user,
            item_id=i,
            account=_text(r, "account"),
            files=r.FILES.getlist("files"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已提交办结申请，等待验收。",
    ),
    "extension": (
        lambda r, i: item_extension_ask(
            user=r.user,
            item_id=i,
            until=_date(r, "until", "申请延期至"),
            reason=_text(r, "reason"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已提交延期申请。",
    ),
    "accept": (
        lambda r, i: item_accept(
            user=r.user,
            item_id=i,
            comment=_text(r, "comment"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已验收办结。",
    ),
    "send_back": (
        lambda r, i: item_send_back(
            user=r.user,
            item_id=i,
            reason=_text(r, "reason"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已退回，事项回到办理中。",
    ),
    "grant": (
        lambda r, i: item_extension_grant(
            user=r.user,
            item_id=i,
            until=_date(r, "until", "新的办结期限"),
            comment=_text(r, "comment"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已同意延期，办结期限已更新。",
    ),
    "refuse": (
        lambda r, i: item_extension_refuse(
            user=r.user,
            item_id=i,
            reason=_text(r, "reason"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已不同意延期，办结期限不变。",
    ),
    "cancel": (
        lambda r, i: item_cancel(
            user=r.user,
            item_id=i,
            reason=_text(r, "reason"),
            expected_version=_version(r),
        ),  # fmt: skip
        "已撤销该事项。",
    ),
    "urge": (
        lambda r, i: item_urge(user=r.user, item_id=i, text=_text(r, "text")),
        "已催办，将随下一次提醒邮件发送给责任单位。",
    ),
}


@login_required
@require_POST
def item_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    """One step of the item's life, by the service of that step."""
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    if not visible_items(request.user).filter(pk=item_id).exists():
        raise Http404("没有这个督办事项，或您无权查看。")
    run, done = ACTIONS[action]
    try:
        run(request, item_id)
    except ValidationError as e:
        messages.error(request, "未保存：" + "；".join(e.messages))
    except Conflict as e:
        messages.error(request, "未保存：" + e.message)
    else:
        messages.success(request, done)
    return redirect("supervision:detail", item_id=item_id)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An item's file, for whoever may see the item; sent as an attachment."""
    evidence = SupervisionEvidence.objects.filter(
        item__in=visible_items(request.user), pk=evidence_id
    ).first()
    if evidence is None:
        raise Http404("没有这份材料。")
    return evidence_response(evidence)
