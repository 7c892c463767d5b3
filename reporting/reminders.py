"""Deadline reminders: per unit, the items due within N days and those overdue,
for a town its dangerous buildings due within N days or late (危房台账), and its
督办事项 due soon (黄灯) or overdue (红灯) with the office's 催办 since the last mail.
An overdue 督办事项 is urged automatically by the mail that names it, recorded
on the item (supervision.services.urges_sent) in the transaction that logs it."""

import smtplib
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from hazards.selectors import HazardReminder, hazard_reminders
from reporting.item_states import (
    carried_states,
    counted_progress,
    earlier_years_items,
    item_state_for,
)
from reporting.models import ReminderLog
from reporting.obligations import obligations_for
from supervision.selectors import UnitReminder
from supervision.selectors import reminders as supervision_reminders
from supervision.services import urges_sent
from tasks.item_deadlines import DUE_SOON, OPEN, OVERDUE
from tasks.models import WorkList
from units.models import Unit
from units.roles import is_admin
from yuecheng_housing.lib.periods import PLAN_YEARS


@dataclass
class Reminder:
    unit: Unit
    due_soon: list[tuple]  # (item, days left)
    overdue: list[tuple]  # (item, days overdue)
    hazards: HazardReminder = field(default_factory=HazardReminder)
    supervision: UnitReminder = field(default_factory=UnitReminder)

    def text(self) -> str:
        lines = [f"{self.unit.name}：“住有宜居”工作清单事项提醒"]
        if self.overdue:
            lines.append("已逾期：")
            lines += [
                f"  · {item.text}（{item.entry.work_list.year}年{item.deadline_label}，"
                f"已逾期{days}天）"
                for item, days in self.overdue
            ]
        if self.due_soon:
            lines.append("即将到期：")
            lines += [
                f"  · {item.text}（{item.deadline_label}，还剩{days}天）"
                for item, days in self.due_soon
            ]
        lines += _hazard_lines(self.hazards)
        lines += self.supervision.lines()
        return "\n".join(lines)


def _hazard_lines(hazards: HazardReminder) -> list[str]:
    lines = []
    for title, rows in (
        ("危房已逾期：", hazards.late),
        ("危房即将到期：", hazards.due_soon),
    ):
        if rows:
            lines.append(title)
            lines += [
                f"  · {row.case.address}（{row.clock.label}，"
                + "，".join(t for t in (row.clock.text(), row.clock.relief_text()) if t)
                + "）"
                for row in rows
            ]
    return lines


def reminders_for(*, today: date, days: int = 7) -> list[Reminder]:
    """Return, for each unit with something to say, its items due within `days`
    days (its own status not done) and its overdue ones."""
    obligations = obligations_for(year=today.year)
    progress = counted_progress(year=today.year)
    earlier = earlier_years_items(today.year, shared=obligations.roster)
    hazards = hazard_reminders(today=today, days=days)
    # 督办事项 turn yellow by their own setting (督办参数), not by --days.
    supervision = supervision_reminders(today=today)
    reminders = []
    units = list(obligations.units_owing_returns(today.replace(day=1)))
    # A town with cases in the register is reminded of them even in a month it owes
    # no return; so is any unit with 督办事项 to answer for.
    units += [town for town in hazards if town not in units]
    units += [unit for unit in supervision if unit not in units]
    # A unit that owes nothing this year may still owe an earlier year's item.
    if earlier:
        units += [
            u
            for u in obligations.units.values()
            if u not in units and obligations.months_on_roster(u)
        ]
    for unit in units:
        due_soon, overdue = [], []
        for item in obligations.items_of(unit):
            state, overdue_days = item_state_for(
                obligations=obligations, progress=progress, item=item, unit=unit,
                as_of=today,
            )  # fmt: skip
            left = (item.deadline - today).days
            if state == OVERDUE:
                overdue.append((item, overdue_days))
            elif state in (DUE_SOON, OPEN) and 0 <= left <= days:
                due_soon.append((item, left))
        # Earlier years' items still undone stay owed, and so stay reminded.
        overdue += [
            (item, days) for _, item, _, days in carried_states(earlier, unit, today)
        ]
        town_hazards = hazards.get(unit, HazardReminder())
        items = supervision.get(unit, UnitReminder())
        if due_soon or overdue or town_hazards.late or town_hazards.due_soon or items:
            reminders.append(Reminder(unit, due_soon, overdue, town_hazards, items))
    return reminders


def reminder_send(*, reminder: Reminder, today: date) -> str:
    """Send a unit's reminder unless it already had one today; say what happened."""
    recipients = [
        a.strip() for a in reminder.unit.contact_emails.replace("，", ",").split(",")
    ]
    recipients = [a for a in recipients if a]
    if not recipients:
        return "未配置联络人邮箱，未发送"
    try:
        with transaction.atomic():
            # The unique (unit, day) row is the guard: a second run the same day fails
            # here and sends nothing.
            ReminderLog.objects.create(
                unit=reminder.unit,
                sent_on=today,
                recipients=",".join(recipients),
                body=reminder.text(),
            )
            accepted = send_mail(
                subject=f"【住有宜居】{reminder.unit.name}工作清单事项提醒",
                message=reminder.text(),
                from_email=None,
                recipient_list=recipients,
            )
            if not accepted:
                raise _NotAccepted
            # What the mail carried is recorded only once it has gone.
            urges_sent(
                item_ids=reminder.supervision.item_ids,
                overdue_ids=reminder.supervision.overdue_ids,
                today=today,
            )
    except IntegrityError:
        return "今天已发送过，跳过"
    except (_NotAccepted, smtplib.SMTPException, OSError) as e:
        # The day's log row rolled back with the failure: the next run tries again.
        return f"发送失败（{type(e).__name__}），未记为已发送，下次运行会重试"
    return f"已发送至 {', '.join(recipients)}"


class _NotAccepted(Exception):
    """The mail backend accepted none of the recipients."""


def work_list_alarm(*, today: date) -> str:
    """The admins' alarm when this year has begun without its work list."""
    if (
        WorkList.objects.filter(year=today.year).exists()
        or today.year not in PLAN_YEARS
    ):
        return ""
    return (
        f"【管理员】{today.year}年工作清单尚未下达：各单位本年没有可跟踪的事项，"
        "请在“报表导入 → 下一年度工作清单”上传。"
    )


def alarm_send(*, text: str, today: date) -> str:
    """Mail the alarm to every active admin with an address."""
    User = get_user_model()
    recipients = sorted(
        {
            u.email
            for u in User.objects.filter(is_active=True).exclude(email="")
            if is_admin(u)
        }
    )
    if not recipients:
        return "没有填写邮箱的管理员，未发送"
    sent = send_mail(
        subject=f"【住有宜居】{today.year}年工作清单尚未下达",
        message=text,
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )
    return f"已发送至 {', '.join(recipients)}" if sent else "发送失败，下次运行会重试"
