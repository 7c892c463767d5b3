from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.reminders import (
    alarm_send,
    reminder_send,
    reminders_for,
    work_list_alarm,
)
from yuecheng_housing.lib.periods import PLAN_YEARS


class Command(BaseCommand):
    help = "列出并发送事项到期提醒（临期与逾期）；可每天由 cron 运行，每单位每天一次。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=7, help="提前多少天提醒（默认7）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出，不发送")

    def handle(self, *args, **options) -> None:
        if options["days"] < 0:
            raise CommandError("--days 不能为负数。")
        today = timezone.localdate()
        if today.year not in PLAN_YEARS:
            self.stdout.write(f"{today.year}年不在方案期内，无需提醒。")
            return
        alarm = work_list_alarm(today=today)
        if alarm:
            self.stdout.write(alarm)
            if not options["dry_run"]:
                self.stdout.write("  → " + alarm_send(text=alarm, today=today))
        reminders = reminders_for(today=today, days=options["days"])
        if not reminders:
            self.stdout.write("没有临期或逾期的事项。")
        for reminder in reminders:
            self.stdout.write(reminder.text())
            if not options["dry_run"]:
                self.stdout.write(
                    "  → " + reminder_send(reminder=reminder, today=today)
                )
