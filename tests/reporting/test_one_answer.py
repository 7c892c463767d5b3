"""Once towns are added under 各镇街, every page, API, import, notice, ranking and
reminder gives the same answer to "who owes what" and "how does this month stand"
as `reporting.obligations` and `reporting.return_state` do."""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from dashboard.boards import unit_board
from dashboard.ranking import indicators_reported, load_year, monthly_notice
from indicators.models import Indicator
from reporting.models import MonthlyReport
from reporting.obligations import obligations_for
from reporting.reminders import reminders_for
from reporting.returns_import import return_import
from reporting.returns_template import return_template
from reporting.selectors import reporting_status
from reporting.services import indicator_value_save
from reporting.transitions import report_send_back, report_submit
from units.models import Unit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = date(2023, 6, 1)
SUMMED = {4, 6, 7}


@pytest.fixture
def scene(towns, admin_user):
    """府山街道 sends June late (8 July); 北海街道 sends it on time and is sent back."""
    fushan, beihai = towns[0], towns[1]
    for town, day in ((fushan, 8), (beihai, 3)):
        when = datetime(2023, 7, day, 10, tzinfo=SHANGHAI)
        stored = indicator_value_save(
            user=admin_user,
            unit=town,
            indicator=Indicator.objects.get(code=4),
            period=JUNE,
            value=Decimal("20"),
            now=when,
        )
        report_submit(user=admin_user, report=stored.report, now=when)
    report_send_back(
        user=admin_user,
        report=MonthlyReport.objects.get(unit=beihai, period=JUNE),
        comment="请核对",
        now=datetime(2023, 7, 4, 9, tzinfo=SHANGHAI),
    )
    return {"jianshe": Unit.objects.get(name="区建设局"), "fushan": fushan}


def _codes(indicator_ids) -> set[int]:
    return set(
        Indicator.objects.filter(pk__in=indicator_ids).values_list("code", flat=True)
    )


def test_who_reports_what_is_one_answer_everywhere(scene, client, admin_user):
    client.force_login(admin_user)
    obligations = obligations_for(year=2023)
    data = load_year(2023)
    for unit in scene.values():
        owed = _codes(obligations.indicator_ids_of(unit))
        items = {i.pk for i in obligations.items_of(unit)}
        expected = SUMMED if unit.parent_id else None
        if expected is not None:
            assert owed == expected
        else:
            assert owed and not owed & SUMMED  # the towns report 4, 6, 7 now

        entry = client.get(f"/report/?unit={unit.pk}&period=2023-06").content.decode()
        assert {int(c) for c in re.findall(r'name="ind(\d+)-value"', entry)} == owed
        assert {int(i) for i in re.findall(r'name="item(\d+)-status"', entry)} == items

        board = client.get(f"/api/v1/units/{unit.pk}/board/?year=2023").json()
        assert {i["code"] for i in board["indicators"]} == owed
        assert {i["id"] for i in board["items"]} == items

        ranked = {row.indicator.code for row in indicators_reported(data, unit)}
        assert ranked == owed

        template = load_workbook(io.BytesIO(return_template(units=[unit], period=JUNE)))
        sheet = template["指标"]
        codes = {
            int(row[0])
            for row in sheet.iter_rows(min_row=3, values_only=True)
            if row[0]
        }
        assert codes == owed


def test_the_import_refuses_what_the_unit_does_not_report(scene, admin_user):
    book = load_workbook(
        io.BytesIO(return_template(units=[scene["jianshe"]], period=JUNE))
    )
    sheet = book["指标"]
    sheet.append([4, "老旧小区累计改造个数", "个", "区建设局", "2023-06", 150, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    result, log = return_import(
        data=buffer.getvalue(), name="区建设局.xlsx", user=admin_user, commit=True
    )
    assert log.status == "failed"
    assert any("不填报“老旧小区累计改造个数”" in e for e in result.errors)


def test_how_a_month_stands_is_one_answer_everywhere(scene, towns, client, admin_user):
    fushan, beihai, tashan = towns
    client.force_login(admin_user)
    today = date(2023, 7, 20)
    home = {
        r.unit.name: r.state.code
        for r in reporting_status(period=JUNE, deadline_day=5, today=today)
    }
    notice = monthly_notice(period=date(2023, 7, 1), today=today)
    listed = {
        "late": {u.name for u in notice.late},
        "missing": {u.name for u in notice.missing},
        "sent_back": {u.name for u in notice.sent_back},
    }
    for town, code in ((fushan, "late"), (beihai, "sent_back"), (tashan, "missing")):
        board = unit_board(unit=town, year=2023, today=today)
        assert board.months[5].code == code, town
        assert home[town.name] == code
        assert town.name in listed[code]
        assert board.counts[code] >= 1
    labels = {m.code: m.label for m in unit_board(
        unit=fushan, year=2023, today=today).months}  # fmt: skip
    assert labels["late"] == "迟报" and labels["missing"] == "未报送"
    index = client.get("/units/?year=2023").content.decode()
    assert "退回待改" in index and "未报送" in index and "未报" + "<" not in index


def test_reminders_name_the_items_the_board_shows(scene):
    fushan = scene["fushan"]
    today = date(2023, 6, 25)
    board = unit_board(unit=fushan, year=2023, today=today)
    shown = {b.item.pk for b in board.items if b.state in ("overdue", "due_soon")}
    assert shown  # 各镇街 carries items due by the end of June
    reminder = next(
        (r for r in reminders_for(today=today, days=7) if r.unit == fushan), None
    )
    reminded = set()
    if reminder is not None:
        reminded = {i.pk for i, _ in reminder.overdue + reminder.due_soon}
    assert reminded == shown
