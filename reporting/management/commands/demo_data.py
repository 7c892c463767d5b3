"""Write a plausible monthly history so the dashboard is alive after `make run`.

Everything goes through the same services as real entries (value save, submit,
approve), so the audit, the district figures and the review state are real.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hazards.demo import demo_2023_write, demo_cases_write
from hazards.rates import register_rates
from indicators.models import Indicator, Target
from projects.demo import demo_projects_write
from projects.demo_scale import scale_projects_write
from reporting.demo_scale import scale_write
from reporting.district import district_values_follow_roster
from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import roster
from reporting.services import ValueLine, indicator_values_save, item_progress_save
from reporting.transitions import report_approve, report_submit
from reporting.work_list_import import (
    EntryDraft,
    ItemDraft,
    WorkListDraft,
    work_list_create,
)
from supervision.demo import demo_items_write
from tasks.models import ChecklistItem, WorkList, WorkListEntry
from units.models import Unit
from units.roles import Role
from units.services import member_unit_add, user_save
from yuecheng_housing.lib.bulk_rows import statistics_refresh
from yuecheng_housing.lib.periods import (
    PLAN_LAST_MONTH,
    add_months,
    current_month,
    month_end,
)

FIRST_MONTH = date(2023, 1, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Real subdistricts of 越城区, added under 各镇街 so that the counts are split by town.
TOWNS = ["府山街道", "北海街道", "塔山街道", "灵芝街道", "东湖街道", "鉴湖街道"]
TOWN_WEIGHTS = [Decimal(w) for w in ("0.24", "0.20", "0.18", "0.16", "0.12", "0.10")]
# How far each indicator gets towards its yearly target (1 = on target).
PACE = {5: Decimal("0.97"), 6: Decimal("0.93"), 9: Decimal("0.86")}
# Where each indicator stood before the plan began (an estimate for the demo only).
START = {
    1: "27", 2: "1.30", 3: "0.14", 4: "118", 5: "81", 6: "19", 7: "96", 8: "6",
    9: "33", 10: "0", 11: "96", 12: "95", 13: "97", 14: "34.6",
}  # fmt: skip


def _last_demo_month() -> date:
    """The demo history runs to last month, or to the plan's last December once
    the plan is over (a district looking back from 2028)."""
    return min(add_months(current_month(), -1), PLAN_LAST_MONTH)


def demo_moment(month: date, *, day: int) -> datetime:
    """Return 10:00 on `day` of `month` (Asia/Shanghai): when the services run."""
    return datetime(month.year, month.month, day, 10, tzinfo=SHANGHAI)


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def district_value(indicator: Indicator, targets: dict[int, Decimal], month: date):
    """Return the demo's district figure for a month: a line to each year's target."""

    def year_end(year: int) -> Decimal:
        if year < FIRST_MONTH.year:
            return Decimal(START[indicator.code])
        value = targets[year] * PACE.get(indicator.code, Decimal("1.01"))
        if indicator.kind == Indicator.Kind.RATE:
            value = min(value, Decimal(100))
        return value

    start, end = year_end(month.year - 1), year_end(month.year)
    return max(start + (end - start) * Decimal(month.month) / Decimal(12), Decimal(0))


def demo_work_list_write(*, year: int) -> None:
    """A second year's work list for the demo: 2023's entries and items again,
    with the five-year table's targets for `year`, through the import's service
    (so that 2023's unfinished items have a year to be carried into)."""
    if WorkList.objects.filter(year=year).exists():
        return
    targets = {t.indicator_id: t.value for t in Target.objects.filter(year=year)}
    entries = []

    def units(item):
        return list(item.responsibilities.select_related("unit").order_by("position"))

    for entry in WorkListEntry.objects.filter(work_list__year=2023).order_by("seq"):
        entries.append(
            EntryDraft(
                seq=entry.seq,
                name=entry.name,
                unit=entry.unit_of_measure,
                target=targets.get(entry.indicator_id, entry.target),
                indicator=entry.indicator,
                key_task=entry.key_task,
                items=[
                    ItemDraft(
                        item.text,
                        item.deadline_label,
                        named[0].unit if (named := units(item)) else None,
                        [r.unit for r in named[1:]],
                    )
                    for item in entry.items.order_by("position")
                ],
            )
        )
    work_list_create(draft=WorkListDraft(year=year, entries=entries))


class Command(BaseCommand):
    help = (
        "写入演示用的月度填报历史（经与正式填报相同的流程）。仅限 DEBUG=1 的本地环境。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="N 倍规模：另加 (N−1)×30 个演示镇街及其五年数据，用于性能测量",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("演示数据仅用于本地演示：请在 DEBUG=1 时运行。")
        if not Indicator.objects.exists():
            raise CommandError("请先运行 python manage.py load_plan 载入方案。")
        if IndicatorValue.objects.exists():
            self.stdout.write("已有填报数据，未写入演示数据。")
            return
        with transaction.atomic():
            count = self.write_history()
        self.stdout.write(self.style.SUCCESS(f"已写入演示填报数据 {count} 条。"))
        if options["scale"] > 1:
            user = get_user_model().objects.get(username="demo-data")
            last = _last_demo_month()
            towns, values = scale_write(
                scale=options["scale"] - 1, user=user, first=FIRST_MONTH, last=last
            )
            projects = scale_projects_write(
                user=user, today=min(timezone.localdate(), month_end(PLAN_LAST_MONTH))
            )
            scale = options["scale"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"{scale}倍规模：另加演示镇街 {towns} 个、数值 {values} 条、"
                    f"台账项目 {projects} 个。"
                )
            )

    def write_history(self) -> int:
        group = Unit.objects.get(name="各镇街")
        with district_values_follow_roster():
            for position, name in enumerate(TOWNS, 1):
                member_unit_add(
                    group=group, name=name, kind=Unit.Kind.TOWN, position=position
                )
        user, _ = user_save(
            username="demo-data", role=Role.ADMIN, first_name="演示数据"
        )
        demo_towns = list(Unit.objects.filter(name__in=TOWNS).order_by("position"))
        demo_2023_write(user=user, town=demo_towns[0])
        demo_cases_write(
            user=user,
            towns=demo_towns,
            today=min(timezone.localdate(), month_end(PLAN_LAST_MONTH)),
        )
        demo_projects_write(
            user=user,
            towns=demo_towns,
            today=min(timezone.localdate(), month_end(PLAN_LAST_MONTH)),
        )
        demo_work_list_write(year=2024)
        demo_items_write(
            user=user, today=min(timezone.localdate(), month_end(PLAN_LAST_MONTH))
        )
        reporters = roster()
        indicators = list(Indicator.objects.prefetch_related("targets"))
        last = _last_demo_month()
        # A few units behind: the last month of two towns stays unsubmitted, one
        # submitted month waits for review.
        unsubmitted = {(TOWNS[4], last), (TOWNS[5], last)}
        pending = {(TOWNS[3], last), ("区建设局", last)}

        lead = Unit.objects.get(name="区建设局")
        items = list(ChecklistItem.objects.select_related("entry__work_list"))
        count = 0
        month = FIRST_MONTH
        while month <= last:
            # Each month is entered as it would have been: early in the next month.
            count += self.write_month(
                user,
                month,
                indicators,
                reporters,
                lead,
                items,
                now=demo_moment(add_months(month, 1), day=2),
            )
            for index, name in enumerate(self.unit_names):
                if (name, month) in unsubmitted:
                    continue
                # Most units submit by the 5th; one in three towns is late now and then.
                day = 9 if (index + month.month) % 9 == 0 else 3 + index % 3
                report = report_submit(
                    user=user,
                    report=self.reports[name],
                    now=demo_moment(add_months(month, 1), day=day),
                )
                if (name, month) not in pending:
                    report_approve(
                        user=user,
                        report=report,
                        now=demo_moment(add_months(month, 1), day=max(day, 6) + 1),
                    )
            month = add_months(month, 1)
            if month.month in (1, 7):
                # On PostgreSQL the tables grow inside this one transaction while
                # the planner still counts them empty: re-count twice a year, or
                # each month's reads turn into nested loops that slow to seconds.
                statistics_refresh(
                    IndicatorValue,
                    IndicatorValue.history.model,
                    MonthlyReport,
                    ItemProgress,
                    DistrictValue,
                )
        return count

    def write_month(
        self, user, month, indicators, reporters, lead, items, *, now
    ) -> int:
        count = 0
        reports: dict[str, MonthlyReport] = {}
        lines: list[ValueLine] = []
        # 11–13 follow the 危房台账 where it has cases due: a unit that typed
        # another figure would be flagged to the reviewer.
        register = register_rates(periods={month})
        for indicator in indicators:
            targets = {t.year: t.value for t in indicator.targets.all()}
            total = district_value(indicator, targets, month)
            rate = register.get((indicator.code, month))
            if rate is not None and rate.rate is not None:
                total = rate.rate
            units = reporters.reporters_at(month)[indicator.pk]
            shares = (
                [total * w for w in TOWN_WEIGHTS]
                if len(units) == len(TOWNS)
                else [total]
            )
            for unit, share in zip(units, shares, strict=True):
                lines.append(
                    ValueLine(
                        unit,
                        indicator,
                        month,
                        _quantize(share, indicator.decimals),
                        # A register's 0 % (nothing remedied yet) is what it says.
                        decrease_reason="按危房台账计算" if rate is not None else "",
                        confirmed=rate is not None,
                    )
                )
        # The month in one batch, as an import sends it: one roster, one read of
        # the reports, the same checks and audit as a form's single value.
        outcomes = indicator_values_save(
            user=user, lines=lines, reason="演示数据", now=now, current=reporters
        )
        for line, outcome in zip(lines, outcomes, strict=True):
            if isinstance(outcome, Exception):
                raise outcome
            reports[line.unit.name] = outcome.report
            count += 1
        self.write_item_progress(user, lead, items, month, now=now)
        self.reports = reports
        self.unit_names = list(reports)
        return count

    def write_item_progress(self, user, lead, items, month, *, now) -> None:
        """The lead unit reports its items: most done by the deadline, a few late,
        a few still open (overdue)."""
        for index, item in enumerate(items):
            if item.deadline.year != month.year or item.deadline > add_months(month, 2):
                continue
            due_month = item.deadline.replace(day=1)
            if index % 7 == 3:
                status, done = "in_progress", None
            elif index % 7 == 5:
                # Done late: finished in the month after its deadline.
                if month < add_months(due_month, 1):
                    status, done = "in_progress", None
                else:
                    status, done = "done", add_months(due_month, 1).replace(day=8)
            elif month < due_month:
                status, done = "in_progress", None
            else:
                status, done = (
                    "done",
                    item.deadline.replace(day=min(item.deadline.day, 15)),
                )
            item_progress_save(
                user=user, unit=lead, item=item, period=month,
                status=status, completed_on=done, reason="演示数据", now=now,
            )  # fmt: skip
