"""Every verdict agrees with every other, across the whole demo history.

Walks each indicator, month and year of `demo_data` (2023 to October 2026 at the
suite's instant) and checks the rules that no page may break: met is never
unlikely; a closed year is 已达标 or 未达标; a D-grade building still occupied
fails 11/12; nobody praised has a late or missing return or an overdue item;
every overdue item is in the notice, earlier years' included; nothing is owed
before the plan; and the home page, the indicator page, the APIs and the 驾驶舱
print the same status.
"""

import io
import re
from datetime import date

import pytest
from django.core.management import call_command

from dashboard.boards import unit_board
from dashboard.ranking import load_year, monthly_notice, returns_due
from dashboard.screen import screen_board
from dashboard.selectors import indicator_progress
from hazards.rates import red_lines
from indicators.models import PlanSettings
from indicators.status import LABELS, MET, NOT_MET
from reporting.item_states import COUNTED
from reporting.models import ItemProgress
from reporting.return_state import LATE, MISSING
from tasks.item_deadlines import OVERDUE
from tasks.models import ChecklistItem, ItemResponsibility, Responsibility
from units.models import Unit
from units.roles import Role
from yuecheng_housing.lib.periods import local_date, month_end

from ..conftest import SUITE_DAY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(loaded_plan, settings):
    settings.DEBUG = True
    call_command("demo_data", stdout=io.StringIO())


def _overdue_oracle(as_of: date, year: int) -> set[tuple[int, int]]:
    """(lead unit, item) of every item overdue on `as_of`, read straight from the
    stored progress: a second, plain reading of the rule."""
    leads = {
        r.key_task_id: r.unit_id for r in Responsibility.objects.filter(position=1)
    }
    own_leads = {
        r.item_id: r.unit_id for r in ItemResponsibility.objects.filter(position=1)
    }
    found = set()
    for item in ChecklistItem.objects.filter(
        entry__work_list__year__lte=year, deadline__lt=as_of
    ).select_related("entry"):
        if item.closed_on is not None and item.closed_on <= as_of:
            continue  # 销号
        lead = own_leads.get(item.pk, leads.get(item.entry.key_task_id))
        done = any(
            p.completed_on is not None
            and p.completed_on <= as_of
            and p.status == ItemProgress.Status.DONE
            and local_date(p.report.submitted_at) <= as_of
            for p in ItemProgress.objects.filter(
                item=item, report__unit_id=lead, report__status__in=COUNTED
            ).select_related("report")
            if p.report.submitted_at is not None
        )
        if not done:
            found.add((lead, item.pk))
    return found


def test_the_demo_history_never_contradicts_itself(demo, client, make_user):
    today = SUITE_DAY  # the demo history was written at the suite's instant
    threshold = PlanSettings.load().warning_threshold
    checked = 0
    for year in range(2023, today.year + 1):
        data = load_year(year)
        months = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= today]
        for period in months:
            as_of = min(month_end(period), today)
            registers = red_lines(year=year, as_of=as_of)
            for row in data.indicator_rows:
                verdict = row.verdict_as_of(as_of, threshold)
                progress, forecast = verdict.progress, verdict.forecast
                where = f"{row.indicator.code} as of {as_of}"
                if progress.status == MET:
                    assert not verdict.unlikely, where
                    assert forecast is None or forecast.will_meet, where
                if progress.final:
                    assert progress.status in (MET, NOT_MET), where
                    assert forecast is None, where
                if as_of.year > year:
                    assert progress.final, where
                if registers.not_evacuated(row.indicator.code, as_of):
                    assert progress.status == NOT_MET, where
                checked += 1

            notice = monthly_notice(period=period, today=today)
            answerable = {u.pk for u in notice.missing + notice.late}
            answerable |= {o["unit"].pk for o in notice.overdue}
            answerable |= {u.pk for u in notice.never_reported}
            for unit in data.units:
                states = [s.code for s in returns_due(data, unit, notice.as_of)]
                if LATE in states or MISSING in states:
                    answerable.add(unit.pk)
            praised = {s.unit.pk for s in notice.best}
            assert not praised & answerable, period
            listed = {(o["unit"].pk, o["item"].pk) for o in notice.overdue}
            assert listed == _overdue_oracle(notice.as_of, year), period
            if period.month == 12:
                # The leads' boards as of that day show the same overdue items,
                # earlier years' included.
                for lead_id in {unit_id for unit_id, _ in listed}:
                    board = unit_board(
                        unit=Unit.objects.get(pk=lead_id), year=year, today=notice.as_of
                    )
                    on_board = {b.item.pk for b in board.items if b.state == OVERDUE}
                    assert on_board >= {i for u, i in listed if u == lead_id}, period
            verdicts = {
                row.indicator.pk: row.verdict_as_of(notice.as_of, threshold)
                for row in data.indicator_rows
            }
            assert {row.indicator.pk for row, _ in notice.behind} == {
                pk for pk, v in verdicts.items() if v.progress.lagging
            }, period
            assert {row.indicator.pk for row, _ in notice.unlikely} == {
                pk for pk, v in verdicts.items() if v.unlikely
            }, period
            if notice.behind or notice.unlikely or notice.overdue:
                assert "均按进度推进" not in notice.summary, period
            if period == date(2023, 1, 1):
                assert notice.missing == [] and notice.late == []
    assert checked > 14 * 40

    # This year, as every page prints it.
    client.force_login(make_user("reader", Role.OFFICIAL))
    year = today.year
    rows = {r.indicator.code: r for r in indicator_progress(year=year)}
    home = client.get(f"/?year={year}").content.decode()
    api = {
        item["code"]: item["progress"]["status"]
        for item in client.get(f"/api/v1/indicators/?year={year}").json()
    }
    board = screen_board(year=year, today=today)
    on_screen = {
        r.indicator.code: r.progress.status for _, rs in board.domains for r in rs
    }
    for code, row in rows.items():
        label = LABELS[row.progress.status]
        cell = re.search(rf'data-indicator="{code}">(.*?)</tr>', home, re.S).group(1)
        assert label in cell, code
        page = client.get(f"/indicators/{code}/?year={year}").content.decode()
        facts = page.split('class="facts"')[1].split("</section>")[0]
        assert label in facts, code
        assert api[code] == row.progress.status, code
        assert on_screen[code] == row.progress.status, code
        forecast = client.get(f"/api/v1/indicators/{code}/forecast/?year={year}")
        assert forecast.json()["status"] == row.progress.status, code
        assert forecast.json()["unlikely"] == row.verdict.unlikely, code
        if row.verdict.unlikely:
            assert "预计难以完成" in cell
        else:
            assert "预计难以完成" not in cell
    # Last year is closed: every status cell reads 已达标 or 未达标.
    last_year = client.get(f"/?year={year - 1}").content.decode()
    cells = re.findall(r'<td data-label="状态">(.*?)</td>', last_year, re.S)
    assert len(cells) == 14
    assert all(("已达标" in c) != ("未达标" in c) for c in cells), cells
