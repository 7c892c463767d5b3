"""Issued 通报: issuing a month's notice, the list, each issued one as a page,
a .docx, a PDF and a spreadsheet, and its correction or withdrawal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dashboard.forms import NoticeIssueForm, NoticeReplaceForm
from dashboard.notice_document import figures_changed, notice_content
from dashboard.ranking import monthly_notice, notice_month
from dashboard.services import notice_issue, notice_replace
from documents.files import notice_file
from documents.models import IssuedNotice, NoticeFile
from documents.pdf import UNAVAILABLE
from units.roles import is_admin
from yuecheng_housing.lib.xlsx import sheet_response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _form_errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


def issued_for_user(pk: int) -> IssuedNotice:
    """The issued notice `pk`: every signed-in user may read an issued notice."""
    notice = (
        IssuedNotice.objects.select_related("issued_by", "replaces")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404("没有这一期通报。")
    return notice


@login_required
@require_POST
def notice_issue_view(request: HttpRequest, period: str) -> HttpResponse:
    try:
        month = notice_month(period)
    except ValueError as e:
        raise Http404(str(e)) from None
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以签发通报。")
    form = NoticeIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("dashboard:notice", period=period)
    try:
        issued = notice_issue(period=month, user=request.user, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("dashboard:notice", period=period)
    messages.success(request, f"已签发{issued.label}。")
    return redirect(issued)


@login_required
def issued_notices(request: HttpRequest) -> HttpResponse:
    rows = IssuedNotice.objects.select_related("issued_by", "replaces", "replaced_by")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/issued_notices.html", {"page": page})


def _replaced_by(notice: IssuedNotice) -> IssuedNotice | None:
    return IssuedNotice.objects.filter(replaces=notice).first()


@login_required
def issued_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = issued_for_user(pk)
    snapshot = notice.snapshot
    if request.GET.get("format") == "xlsx":
        return _sheet(notice)
    changed = None
    if notice.kind != IssuedNotice.Kind.WITHDRAWAL:
        # The month as the notice reads today, written out the same way.
        live = notice_content(
            monthly_notice(period=notice.period, today=timezone.localdate())
        )
        changed = figures_changed(snapshot, live)
    return render(
        request,
        "dashboard/issued_notice.html",
        {
            "notice": notice,
            "doc": snapshot,
            "changed": changed,
            "replaced_by": _replaced_by(notice),
            "can_replace": is_admin(request.user),
            "form": NoticeReplaceForm(),
        },
    )


def _sheet(notice: IssuedNotice) -> HttpResponse:
    snapshot = notice.snapshot
    head = [["期号", notice.label], ["标题", snapshot["title"]]]
    if snapshot.get("instruction"):
        head.append(["领导批示", snapshot["instruction"]])
    if snapshot.get("foreword"):
        head.append(["按语", snapshot["foreword"]])
    sections = [("", ["项目", "内容"], head)]
    heading, texts = "", []
    blocks = snapshot["blocks"]
    for index, block in enumerate(blocks):
        following = blocks[index + 1]["type"] if index + 1 < len(blocks) else None
        if block["type"] == "h2" and following == "table":
            # A list's own heading (the ranking's 区级部门, 镇街) heads its table,
            # in the order the notice prints them.
            if texts:
                sections.append((heading, ["内容"], [[t] for t in texts]))
                texts = []
            heading = "　".join(h for h in (heading, block["text"]) if h)
        elif block["type"] == "table":
            if texts:
                sections.append((heading, ["内容"], [[t] for t in texts]))
                heading, texts = "", []
            sections.append((heading, block["headers"], block["rows"]))
            heading = ""
        elif block["type"] == "h1":
            if texts:
                sections.append((heading, ["内容"], [[t] for t in texts]))
                texts = []
            heading = block["text"]
        else:
            texts.append(block["text"])
    if texts:
        sections.append((heading, ["内容"], [[t] for t in texts]))
    return sheet_response(
        filename=f"住有宜居工作通报-{notice.label}.xlsx",
        title=f"{snapshot['title']}（{notice.label}）",
        sheet_name=f"工作通报（{notice.label}）",
        sections=sections,
    )


@login_required
def issued_notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    notice = issued_for_user(pk)
    content = notice_file(notice=notice, format=NoticeFile.Format.DOCX)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"住有宜居工作通报-{notice.label}.docx"
    )
    return response


@login_required
def issued_notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = issued_for_user(pk)
    pdf = notice_file(notice=notice, format=NoticeFile.Format.PDF)
    if pdf is None:
        return HttpResponse(
            UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"住有宜居工作通报-{notice.label}.pdf"
    )
    return response


@login_required
@require_POST
def issued_notice_replace(request: HttpRequest, pk: int) -> HttpResponse:
    notice = issued_for_user(pk)
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以更正或撤销通报。")
    form = NoticeReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(notice)
    try:
        new = notice_replace(original=notice, user=request.user, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(notice)
    messages.success(request, f"已签发{new.label}（{new.get_kind_display()}）。")
    return redirect(new)
