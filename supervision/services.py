"""Every write of supervision items: the pages, the admin, the API, the reminders
run and demo data call these, one function per transition.

Each is one transaction that locks the item's row, checks who may act (the unit
is looked up among the user's own, never taken from the client on trust), checks
the state it moves from and the version the writer saw, validates in Chinese,
and leaves both a django-simple-history record and an event for the item's story.
Nothing is half-written: every refusal raises before anything is saved.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from supervision.access import feedback_units, may_manage, visible_items
from supervision.models import (
    SupervisionEvent,
    SupervisionEvidence,
    SupervisionItem,
    SupervisionSettings,
    SupervisionUnit,
)
from units.models import Unit
from yuecheng_housing.lib.errors import Conflict, check_version
from yuecheng_housing.lib.evidence import evidence_content_type, evidence_save
from yuecheng_housing.lib.text import normal_newlines

State = SupervisionItem.State
Kind = SupervisionEvent.Kind
# The plan began in 2023: an earlier assignment is a typing slip.
EARLIEST = date(2023, 1, 1)
# A reason shorter than this says nothing (as 销号 asks of work-list items).
MIN_REASON = 4
MAX_FILES = 10
OPEN_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.APPLIED)


@dataclass
class ItemData:
    """What the office enters to assign an item: the same from every path."""

    source: str
    title: str
    units: list[Unit]  # lead first
    assigned_on: date
    deadline: date
    text: str = ""


def item_data_check(*, data: ItemData, today: date) -> None:
    """Raise ValidationError with every problem of `data`, per field, in Chinese."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if data.source not in SupervisionItem.Source.values:
        refuse("source", "来源只能是工作例会、领导批示、督查发现、群众反映或其他。",
               "invalid_choice")  # fmt: skip
    title = data.title.strip()
    if not title:
        refuse("title", "请填写事项名称。", "required")
    elif len(title) > 200:
        refuse("title", "事项名称最多200字。", "too_long")
    if len(data.text) > 4000:
        refuse("text", "督办内容最多4000字。", "too_long")
    if not data.units:
        refuse("units", "请至少选择一个牵头单位。", "required")
    seen: set[int] = set()
    for unit in data.units:
        if unit.pk in seen:
            refuse("units", f"“{unit.name}”重复列出：每个单位只列一次。", "duplicate")
        seen.add(unit.pk)
        if unit.is_group:
            refuse("units", f"“{unit.name}”是单位分组，请选择其中的具体单位。",
                   "group")  # fmt: skip
        elif not unit.is_active:
            refuse("units", f"“{unit.name}”已停用，不能交办。", "inactive")
    if data.assigned_on is not None:
        if data.assigned_on > today:
            refuse("assigned_on", "交办日期不能晚于今天。", "future_date")
        elif data.assigned_on < EARLIEST:
            refuse("assigned_on", "交办日期早于方案实施（2023年），请检查年份。",
                   "too_early")  # fmt: skip
    if data.deadline is not None and data.assigned_on is not None:
        if data.deadline < data.assigned_on:
            refuse(
                "deadline",
                f"办结期限（{data.deadline:%Y-%m-%d}）不能早于交办日期"
                f"（{data.assigned_on:%Y-%m-%d}）。",
                "deadline_before_assignment",
            )
    if errors:
        raise ValidationError(errors)


def _reason(text: str, field: str, what: str) -> str:
    text = normal_newlines(text or "").strip()
    if len(text) < MIN_REASON:
        raise ValidationError(
            {field: f"请填写{what}（至少{MIN_REASON}个字）。"}, code="reason_required"
        )
    if len(text) > 2000:
        raise ValidationError({field: f"{what}最多2000字。"}, code="too_long")
    return text


def _files_check(uploads: Iterable[UploadedFile]) -> list[UploadedFile]:
    """Check every file's content before anything is written (the returns' checks)."""
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            {"files": f"一次最多上传{MAX_FILES}个文件。"}, code="too_many"
        )
    problems = []
    for upload in uploads:
        try:
            evidence_content_type(upload)
        except ValidationError as e:
            problems += e.messages
    if problems:
        raise ValidationError({"files": problems}, code="bad_file")
    return uploads


def _locked(user: AbstractBaseUser, item_id: int) -> SupervisionItem:
    """The item `user` may see, locked for the transition; PermissionDenied if
    there is none (another unit's item is not even named)."""
    item = (
        visible_items(user)
        .select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise PermissionDenied("没有这个督办事项，或您无权办理。")
    return item


def _manager_check(user: AbstractBaseUser, what: str) -> None:
    if not may_manage(user):
        raise PermissionDenied(f"只有管理员（督办办公室）可以{what}。")


def _state_check(item: SupervisionItem, allowed: tuple, what: str) -> None:
    if item.state in allowed:
        return
    if item.state == State.CLOSED and what == "办结":
        raise Conflict("该事项已办结，不能重复办结。", code="already_closed")
    names = "、".join(State(s).label for s in allowed)
    raise Conflict(
        f"该事项当前为“{item.get_state_display()}”，不能{what}"
        f"（只有“{names}”的事项可以{what}）。",
        code="wrong_state",
    )


def _responsible_unit(user: AbstractBaseUser, item: SupervisionItem) -> Unit:
    units = feedback_units(user, item)
    if not units:
        raise PermissionDenied(
            "您所在单位不是该事项的责任单位（牵头或配合），不能反馈。"
        )
    return units[0]


def _record(
    item: SupervisionItem,
    *,
    kind: str,
    user: AbstractBaseUser | None,
    now: datetime,
    unit: Unit | None = None,
    text: str = "",
    requested_until: date | None = None,
    automatic: bool = False,
    mailed_on: date | None = None,
    save: bool = True,
) -> SupervisionEvent:
    """Save the item (new version, history with the step's name) and its event."""
    if save:
        item.version += 1
        item.updated_by = user
        item.updated_at = now
        item.full_clean(exclude=["created_by", "updated_by"])
        item._change_reason = SupervisionEvent.Kind(kind).label
        item._history_user = user
        item._history_date = now
        item.save()
    event = SupervisionEvent(
        item=item,
        kind=kind,
        at=now,
        on=timezone.localdate(now),
        actor=user,
        unit=unit,
        text=text,
        state_after=item.state,
        deadline_after=item.deadline,
        requested_until=requested_until,
        automatic=automatic,
        mailed_on=mailed_on,
    )
    event.save()
    return event


def _attach(
    item: SupervisionItem,
    event: SupervisionEvent,
    uploads: list[UploadedFile],
    user: AbstractBaseUser,
    now: datetime,
) -> None:
    for upload in uploads:
        evidence_save(
            SupervisionEvidence(item=item, event=event), upload, user=user, now=now
        )


@transaction.atomic
def item_assign(
    *,
    user: AbstractBaseUser,
    data: ItemData,
    files: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> SupervisionItem:
    """Assign (交办) a new item to its units, lead first, with its attachments."""
    now = now or timezone.now()
    _manager_check(user, "交办督办事项")
    data.title = data.title.strip()
    data.text = normal_newlines(data.text).strip()
    item_data_check(data=data, today=timezone.localdate(now))
    uploads = _files_check(files)
    item = SupervisionItem(
        source=data.source,
        title=data.title,
        text=data.text,
        assigned_on=data.assigned_on,
        deadline=data.deadline,
        state=State.ASSIGNED,
        created_by=user,
        created_at=now,
        updated_by=user,
        updated_at=now,
    )
    item.full_clean(exclude=["created_by", "updated_by"])
    item._change_reason = "交办"
    item._history_user = user
    item._history_date = now
    item.save()
    SupervisionUnit.objects.bulk_create(
        SupervisionUnit(item=item, unit=unit, position=position)
        for position, unit in enumerate(data.units)
    )
    event = _record(item, kind=Kind.ASSIGN, user=user, now=now, save=False)
    # The story starts on the day assigned, which may be before it was entered.
    event.on = data.assigned_on
    event.save(update_fields=["on"])
    _attach(item, event, uploads, user, now)
    return item


@transaction.atomic
def item_receive(
    *,
    user: AbstractBaseUser,
    item_id: int,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """A responsible unit signs for (签收) an item: 交办 → 办理中."""
    now = now or timezone.now()
    item = _locked(user, item_id)
    unit = _responsible_unit(user, item)
    _state_check(item, (State.ASSIGNED,), "签收")
    check_version(item, expected_version)
    item.state = State.IN_PROGRESS
    _record(item, kind=Kind.RECEIVE, user=user, now=now, unit=unit)
    return item


@transaction.atomic
def item_apply(
    *,
    user: AbstractBaseUser,
    item_id: int,
    account: str,
    files: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """A responsible unit asks to close (申请办结) with its account of what it did
    and its evidence: 交办 or 办理中 → 申请办结."""
    now = now or timezone.now()
    item = _locked(user, item_id)
    unit = _responsible_unit(user, item)
    _state_check(item, (State.ASSIGNED, State.IN_PROGRESS), "申请办结")
    check_version(item, expected_version)
    account = _reason(account, "account", "办理情况")
    uploads = _files_check(files)
    item.state = State.APPLIED
    item.applied_on = timezone.localdate(now)
    event = _record(item, kind=Kind.APPLY, user=user, now=now, unit=unit, text=account)
    _attach(item, event, uploads, user, now)
    return item


@transaction.atomic
def item_accept(
    *,
    user: AbstractBaseUser,
    item_id: int,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """The office accepts the unit's application: 申请办结 → 已办结."""
    now = now or timezone.now()
    _manager_check(user, "验收办结")
    item = _locked(user, item_id)
    _state_check(item, (State.APPLIED,), "办结")
    check_version(item, expected_version)
    item.state = State.CLOSED
    item.finished_on, item.applied_on = item.applied_on, None
    item.closed_on = timezone.localdate(now)
    comment = normal_newlines(comment).strip()[:2000]
    _record(item, kind=Kind.ACCEPT, user=user, now=now, text=comment)
    return item


@transaction.atomic
def item_send_back(
    *,
    user: AbstractBaseUser,
    item_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """The office sends an application back (退回) with its reason: → 办理中."""
    now = now or timezone.now()
    _manager_check(user, "退回办结申请")
    item = _locked(user, item_id)
    _state_check(item, (State.APPLIED,), "退回")
    check_version(item, expected_version)
    reason = _reason(reason, "reason", "退回理由")
    item.state = State.IN_PROGRESS
    item.applied_on = None
    _record(item, kind=Kind.SEND_BACK, user=user, now=now, text=reason)
    return item


@transaction.atomic
def item_extension_ask(
    *,
    user: AbstractBaseUser,
    item_id: int,
    until: date,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """A responsible unit asks for more time (延期申请), with the day and why."""
    now = now or timezone.now()
    item = _locked(user, item_id)
    unit = _responsible_unit(user, item)
    _state_check(item, (State.ASSIGNED, State.IN_PROGRESS), "申请延期")
    check_version(item, expected_version)
    if item.extension_until is not None:
        raise Conflict(
            f"已有一份延期申请（延期至{item.extension_until:%Y-%m-%d}）待审批，"
            "审批后才能再次申请。",
            code="extension_pending",
        )
    reason = _reason(reason, "reason", "延期理由")
    if until is None or until <= item.deadline:
        raise ValidationError(
            {
                "until": "申请延期至的日期须晚于现办结期限"
                f"（{item.deadline:%Y-%m-%d}）。"
            },
            code="not_later",
        )
    item.extension_until, item.extension_reason = until, reason
    _record(
        item, kind=Kind.EXTENSION_ASK, user=user, now=now, unit=unit, text=reason,
        requested_until=until,
    )  # fmt: skip
    return item


def _extension_pending(item: SupervisionItem) -> None:
    if item.extension_until is None:
        raise Conflict("该事项没有待审批的延期申请。", code="no_extension")


@transaction.atomic
def item_extension_grant(
    *,
    user: AbstractBaseUser,
    item_id: int,
    until: date | None = None,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """The office grants an extension: the deadline becomes the day asked for (or
    the day the office sets instead, not before today's deadline)."""
    now = now or timezone.now()
    _manager_check(user, "审批延期")
    item = _locked(user, item_id)
    _state_check(item, (State.ASSIGNED, State.IN_PROGRESS), "审批延期")
    check_version(item, expected_version)
    _extension_pending(item)
    until = until or item.extension_until
    if until <= item.deadline:
        raise ValidationError(
            {"until": f"新的办结期限须晚于现办结期限（{item.deadline:%Y-%m-%d}）。"},
            code="not_later",
        )
    old = item.deadline
    item.deadline = until
    item.extension_until, item.extension_reason = None, ""
    comment = normal_newlines(comment).strip()[:2000]
    text = f"办结期限由{old:%Y-%m-%d}延至{until:%Y-%m-%d}" + (
        f"。{comment}" if comment else ""
    )
    _record(item, kind=Kind.EXTENSION_GRANT, user=user, now=now, text=text,
            requested_until=until)  # fmt: skip
    return item


@transaction.atomic
def item_extension_refuse(
    *,
    user: AbstractBaseUser,
    item_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """The office refuses an extension, with its reason; the deadline stays."""
    now = now or timezone.now()
    _manager_check(user, "审批延期")
    item = _locked(user, item_id)
    _state_check(item, (State.ASSIGNED, State.IN_PROGRESS), "审批延期")
    check_version(item, expected_version)
    _extension_pending(item)
    reason = _reason(reason, "reason", "不同意延期的理由")
    asked = item.extension_until
    item.extension_until, item.extension_reason = None, ""
    _record(item, kind=Kind.EXTENSION_REFUSE, user=user, now=now, text=reason,
            requested_until=asked)  # fmt: skip
    return item


@transaction.atomic
def item_cancel(
    *,
    user: AbstractBaseUser,
    item_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SupervisionItem:
    """The office cancels (撤销) an open item with its reason; counted nowhere after."""
    now = now or timezone.now()
    _manager_check(user, "撤销督办事项")
    item = _locked(user, item_id)
    _state_check(item, OPEN_STATES, "撤销")
    check_version(item, expected_version)
    reason = _reason(reason, "reason", "撤销理由")
    item.state = State.CANCELLED
    item.cancelled_on = timezone.localdate(now)
    item.applied_on = None
    item.extension_until, item.extension_reason = None, ""
    _record(item, kind=Kind.CANCEL, user=user, now=now, text=reason)
    return item


@transaction.atomic
def item_urge(
    *,
    user: AbstractBaseUser,
    item_id: int,
    text: str = "",
    now: datetime | None = None,
) -> SupervisionEvent:
    """The office urges (催办) an open item: recorded now, e-mailed to its units
    with the next reminders run. The item itself does not change."""
    now = now or timezone.now()
    _manager_check(user, "催办")
    item = _locked(user, item_id)
    _state_check(item, (State.ASSIGNED, State.IN_PROGRESS), "催办")
    text = normal_newlines(text).strip()[:2000]
    return _record(item, kind=Kind.URGE, user=user, now=now, text=text, save=False)


@transaction.atomic
def urges_sent(
    *,
    item_ids: Iterable[int],
    overdue_ids: Iterable[int],
    today: date,
    now: datetime | None = None,
) -> int:
    """Record what a unit's reminder mail carried: the office's pending 催办 of
    `item_ids` are marked sent today, and each overdue item gets its automatic
    催办 (one a day, however often the run is repeated). Called by the reminders
    run inside the transaction that logs the mail, so a failed send records
    nothing. Returns the number of automatic 催办 recorded."""
    now = now or timezone.now()
    SupervisionEvent.objects.filter(
        item_id__in=list(item_ids), kind=Kind.URGE, mailed_on__isnull=True
    ).update(mailed_on=today)
    overdue_ids = set(overdue_ids)
    already = set(
        SupervisionEvent.objects.filter(
            item_id__in=overdue_ids, kind=Kind.URGE, automatic=True, on=today
        ).values_list("item_id", flat=True)
    )
    items = SupervisionItem.objects.filter(
        pk__in=overdue_ids - already, state__in=OPEN_STATES
    ).order_by("pk")
    events = [
        SupervisionEvent(
            item=item,
            kind=Kind.URGE,
            at=now,
            on=today,
            text="逾期自动催办",
            state_after=item.state,
            deadline_after=item.deadline,
            automatic=True,
            mailed_on=today,
        )  # fmt: skip
        for item in items
    ]
    SupervisionEvent.objects.bulk_create(events)
    return len(events)


@transaction.atomic
def settings_save(
    *,
    user: AbstractBaseUser,
    due_soon_days: int,
    ranking_weight: Decimal,
    reason: str = "",
) -> SupervisionSettings:
    """Change the supervision parameters (admin), audited with its reason."""
    _manager_check(user, "修改督办参数")
    row = SupervisionSettings.load()
    row.due_soon_days = due_soon_days
    row.ranking_weight = ranking_weight
    row.full_clean()
    row._change_reason = reason or "修改督办参数"
    row._history_user = user
    row.save()
    return row
