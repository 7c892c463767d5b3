"""Writes of the dashboard: issuing a month's 通报 and replacing an issued one.

They live here, above the ranking, because an issued notice is the month's live
notice (dashboard.ranking.monthly_notice) frozen as it read when signed.
"""

import re
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from dashboard.notice_document import notice_content, notice_title
from dashboard.ranking import monthly_notice
from documents.files import notice_files_queue
from documents.models import IssuedNotice, NoticeLetterhead
from indicators.models import PlanSettings
from reporting.return_state import entry_deadline
from units.roles import is_admin
from yuecheng_housing.lib.periods import period_label
from yuecheng_housing.lib.text import normal_newlines

# Characters a .docx (XML 1.0) cannot hold; a pasted text may bring them along.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def notice_text(text: str) -> str:
    """Return a typed 按语, 批示 or reason as it is kept: one kind of line break,
    without control characters, trimmed. Markup and formulas stay as typed."""
    return _NOT_IN_XML.sub("", normal_newlines(text or "")).strip()


def notice_may_issue(*, period: date, today: date) -> None:
    """Raise ValidationError unless the month's returns are closed: its own
    returns' deadline has passed, so no late return can change its figures."""
    deadline = entry_deadline(period, PlanSettings.load().entry_deadline_day)
    if today <= deadline:
        raise ValidationError(
            f"{period_label(period)}的数据报送截止日（{deadline.year}年{deadline.month}月"
            f"{deadline.day}日）尚未过去，该月报送尚未结束，不能签发通报。",
            code="month_open",
        )


def _next_number(year: int) -> int:
    last = IssuedNotice.objects.filter(year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _snapshot(
    *, content: dict, label: str, kind: str, today: date, foreword: str,
    instruction: str, replaces: IssuedNotice | None, reason: str,
) -> dict:  # fmt: skip
    head = NoticeLetterhead.load()
    return {
        **content,
        "label": label,
        "kind": kind,
        "issued_on": today.isoformat(),
        "issued_on_label": f"{today.year}年{today.month}月{today.day}日",
        "letterhead": {
            "masthead": head.masthead,
            "recipients": head.recipients,
            "copies": head.copies,
            "issuer": head.issuer,
            "signature": head.signature,
        },
        "foreword": foreword,
        "instruction": instruction,
        "replaces": None
        if replaces is None
        else {"label": replaces.label, "title": replaces.snapshot["title"]},
        "reason": reason,
    }


def _save(notice: IssuedNotice) -> IssuedNotice:
    notice.full_clean()
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        # Two admins at once: the other took the number or the month first.
        raise ValidationError(
            "同时有其他人签发了通报，期号或月份已被占用，请刷新后重试。", code="race"
        ) from None
    # Its .docx and PDF, made off the request once it is committed: a notice
    # never changes, so they are made once (a correction is a notice of its own).
    notice_files_queue(notice)
    return notice


@transaction.atomic
def notice_issue(
    *, period: date, user: AbstractBaseUser, foreword: str = "",
    instruction: str = "", today: date | None = None,
) -> IssuedNotice:  # fmt: skip
    """签发 a month's 通报: number it in the year of issue and freeze what the
    live notice says today, every figure, list and sentence."""
    today = today or timezone.localdate()
    if not is_admin(user):
        raise PermissionDenied("只有管理员可以签发通报。")
    notice_may_issue(period=period, today=today)
    earlier = IssuedNotice.objects.filter(
        period=period, kind=IssuedNotice.Kind.ISSUE
    ).first()
    if earlier is not None:
        raise ValidationError(
            f"{period_label(period)}的通报已签发（{earlier.label}），不能重复签发；"
            "如有错误，请在该期通报页以更正方式重新签发。",
            code="issued_twice",
        )
    number = _next_number(today.year)
    label = f"{today.year}年第{number}期"
    foreword, instruction = notice_text(foreword), notice_text(instruction)
    content = notice_content(monthly_notice(period=period, today=today))
    return _save(
        IssuedNotice(
            year=today.year,
            number=number,
            kind=IssuedNotice.Kind.ISSUE,
            period=period,
            issued_on=today,
            foreword=foreword,
            instruction=instruction,
            issued_by=user,
            snapshot=_snapshot(
                content=content,
                label=label,
                kind=IssuedNotice.Kind.ISSUE,
                today=today,
                foreword=foreword,
                instruction=instruction,
                replaces=None,
                reason="",
            ),  # fmt: skip
        )
    )


@transaction.atomic
def notice_replace(
    *, original: IssuedNotice, user: AbstractBaseUser, reason: str,
    withdraw: bool = False, foreword: str = "", instruction: str = "",
    today: date | None = None,
) -> IssuedNotice:  # fmt: skip
    """更正 or 撤销 an issued notice: a new numbered issue naming the one it
    replaces and why. The original stays as it was issued."""
    today = today or timezone.localdate()
    if not is_admin(user):
        raise PermissionDenied("只有管理员可以更正或撤销通报。")
    reason = notice_text(reason)
    if not reason:
        raise ValidationError("请填写更正或撤销的原因。", code="no_reason")
    original = IssuedNotice.objects.select_for_update().get(pk=original.pk)
    if original.kind == IssuedNotice.Kind.WITHDRAWAL:
        raise ValidationError("撤销通知不能再更正或撤销。", code="withdrawal")
    if IssuedNotice.objects.filter(replaces=original).exists():
        raise ValidationError(
            f"{original.label}已被{original.replaced_by.label}更正或撤销，"
            "请对最新一期操作。",
            code="already_replaced",
        )
    kind = IssuedNotice.Kind.WITHDRAWAL if withdraw else IssuedNotice.Kind.CORRECTION
    number = _next_number(today.year)
    label = f"{today.year}年第{number}期"
    foreword, instruction = notice_text(foreword), notice_text(instruction)
    title = original.snapshot["title"]
    if withdraw:
        content = {
            "period": original.snapshot["period"],
            "period_label": original.snapshot["period_label"],
            "as_of": original.snapshot["as_of"],
            "title": f"关于撤销{original.label}《{title}》的通知",
            "blocks": [
                {"type": "p", "text": f"经研究，决定撤销{original.label}《{title}》。"},
                {"type": "p", "text": f"撤销原因：{reason}"},
            ],
            "figures": {},
        }
    else:
        content = notice_content(monthly_notice(period=original.period, today=today))
        content["title"] = notice_title(original.period) + "（更正）"
        content["blocks"] = [
            {
                "type": "p",
                "text": f"本期更正{original.label}《{title}》，更正原因：{reason}"
                f"。原通报作废，以本期为准。",
            },
            *content["blocks"],
        ]
    return _save(
        IssuedNotice(
            year=today.year,
            number=number,
            kind=kind,
            period=original.period,
            issued_on=today,
            foreword=foreword,
            instruction=instruction,
            replaces=original,
            reason=reason,
            issued_by=user,
            snapshot=_snapshot(
                content=content,
                label=label,
                kind=kind,
                today=today,
                foreword=foreword,
                instruction=instruction,
                replaces=original,
                reason=reason,
            ),  # fmt: skip
        )
    )
