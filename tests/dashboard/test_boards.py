import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dashboard.boards import unit_board, unit_index
from reporting.models import MonthlyReport
from reporting.obligations import items_carried_by
from reporting.services import item_progress_save
from reporting.transitions import report_submit
from supervision.services import ItemData, item_assign
from tasks.models import ChecklistItem
from units.models import Unit
from units.roles import Role

pytestmark = pytest.mark.django_db
TODAY = date(2023, 7, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The suite's day (tests/conftest.py): 16 November 2026.
SUITE_DAY = date(2026, 11, 16)


@pytest.fixture
def progress(admin_user):
    def save(unit: str, item: ChecklistItem, month: str, status: str, done=None):
        year, mon = (int(x) for x in month.split("-"))
        unit = Unit.objects.get(name=unit)
        # Reported on the morning of the day the boards are read.
        when = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=SHANGHAI)
        stored = item_progress_save(
            user=admin_user, unit=unit, item=item, period=date(year, mon, 1),
            status=status, completed_on=done, now=when,
        )  # fmt: skip
        report_submit(user=admin_user, report=stored.report, now=when)
        return stored

    return save


def items_by_state(board):
    found = {}
    for b in board.items:
        found.setdefault(b.state, []).append(b.item.text)
    return found


def test_board_marks_overdue_done_late_and_uses_the_lead_as_overall(
    plan, progress, admin_user
):
    identify = ChecklistItem.objects.get(entry__seq=1, position=1)  # 6月底前
    standards = ChecklistItem.objects.get(entry__seq=4, position=1)  # 6月底前
    progress("区建设局", identify, "2023-06", "done", date(2023, 6, 28))
    progress("区建设局", standards, "2023-07", "done", date(2023, 7, 3))
    board = unit_board(unit=Unit.objects.get(name="区建设局"), year=2023, today=TODAY)
    states = {b.item.pk: (b.state, b.days_overdue) for b in board.items}
    assert states[identify.pk] == ("done", 0)
    assert states[standards.pk] == ("done_late", 3)
    lanhua = ChecklistItem.objects.get(deadline_label="4月中旬")
    assert states[lanhua.pk] == ("overdue", 81)  # 20 April → 10 July
    assert all(role == "牵头" for _, role in board.tasks)
    assert len(board.tasks) == 10  # every task but 3 (区房征办)

    co = unit_board(unit=Unit.objects.get(name="区发改局"), year=2023, today=TODAY)
    row = next(b for b in co.items if b.item.pk == identify.pk)
    assert row.role == "配合" and row.own is None and row.lead.status == "done"
    # The item is the lead's to close: a co-unit's state follows its completion,
    # never 逾期 on an item the lead finished.
    assert row.state == "done"
    late = next(b for b in co.items if b.item.pk == lanhua.pk)
    assert late.state == "overdue"  # the lead has not finished it either
    assert [t.number for t, _ in co.tasks] == [1, 2, 4, 5, 6, 7]


def test_a_unit_with_nothing_to_report_owes_no_returns(plan):
    board = unit_board(unit=Unit.objects.get(name="区房征办"), year=2023, today=TODAY)
    assert board.items == [] and board.months == []


def test_reporting_record_per_month(plan, record):
    with time_machine.travel(datetime(2023, 3, 1, 10, tzinfo=SHANGHAI), tick=False):
        record("区建设局", 2, "2023-01", "1.3")  # due 5 February: late
    board = unit_board(unit=Unit.objects.get(name="区建设局"), year=2023, today=TODAY)
    labels = [m.label for m in board.months]
    assert labels[0] == "迟报"
    assert labels[1:6] == ["未报送"] * 5  # February–June: past their deadlines
    assert labels[6:] == ["待报送"] * 6  # July onwards: not due yet on 10 July
    assert board.counts["late"] == 1


def test_pages_and_bad_input(official_client):
    unit = Unit.objects.get(name="区建设局")
    html = official_client.get(f"/units/{unit.pk}/?year=2023").content.decode()
    assert "区建设局 · 2023年" in html and "做好今年保障性租赁住房筹建项目认定" in html
    assert "逾期" in html
    index = official_client.get("/units/?year=2023").content.decode()
    assert re.search(r"└ ", index) is None  # no members yet
    assert official_client.get("/units/99999/").status_code == 404
    assert (
        "没有编号为99999的单位" in official_client.get("/units/99999/").content.decode()
    )
    assert official_client.get("/units/?year=2031").status_code == 200


@pytest.mark.parametrize("months", [1, 40])
def test_board_and_index_cost_a_fixed_number_of_queries(
    months, official_client, towns, admin_user, django_assert_max_num_queries
):
    for unit in [Unit.objects.get(name="区建设局"), *towns]:
        for index in range(months):
            period = date(2023 + index // 12, index % 12 + 1, 1)
            for item in items_carried_by(unit=unit, year=period.year)[:5]:
                item_progress_save(
                    user=admin_user, unit=unit, item=item, period=period,
                    status="in_progress",
                )  # fmt: skip
            report = MonthlyReport.objects.filter(unit=unit, period=period).first()
            if report is not None:
                report_submit(user=admin_user, report=report)
    unit = Unit.objects.get(name="区建设局")
    for index in range(months):
        supervision_item(admin_user, [unit, *towns], date(2026, 12, 1 + index % 28))
    official_client.get("/units/")
    for url in (f"/units/{unit.pk}/?year=2023", "/units/?year=2023"):
        # Session, user and role (3), the unit, settings, obligations with the
        # items' own units (5), item progress with evidence (2), indicators (2),
        # returns, earlier years with a work list (1; 6 more for each): the same
        # at any size; the index also reads the data's fingerprint (3) and then
        # its cache; the ledgers' switches (1); the board and (since the index
        # counts them) the index their open 督办事项 (督办参数, items, their
        # units: 3).
        with django_assert_max_num_queries(23):
            assert official_client.get(url).status_code == 200
    with django_assert_max_num_queries(7):  # computed once for these data
        assert official_client.get("/units/?year=2023").status_code == 200
    # The API: the board as the page reads it (without its ledgers and 危房) and its
    # open 督办事项 (3).
    with django_assert_max_num_queries(22):
        response = official_client.get(f"/api/v1/units/{unit.pk}/board/?year=2023")
    assert response.json()["supervision"]["open"] == months


def test_board_api(official_client):
    unit = Unit.objects.get(name="区发改局")
    data = official_client.get(f"/api/v1/units/{unit.pk}/board/?year=2023").json()
    assert data["unit"]["name"] == "区发改局" and data["year"] == 2023
    assert [t["number"] for t in data["key_tasks"]] == [1, 2, 4, 5, 6, 7]
    assert {t["role"] for t in data["key_tasks"]} == {"配合"}
    first = data["items"][0]
    assert first["deadline_label"] == "4月底前" or first["deadline_label"] == "4月中旬"
    assert first["state"] == "overdue" and first["days_overdue"] > 0
    assert official_client.get("/api/v1/units/99999/board/").status_code == 404
    response = official_client.get(f"/api/v1/units/{unit.pk}/board/?year=2031")
    assert response.status_code == 400
    assert "方案期" in response.json()["errors"]["year"][0]


def supervision_item(user, units, deadline, title="两周内完成某小区加装电梯矛盾调处"):
    data = ItemData(
        source="meeting", title=title, units=units,
        assigned_on=date(2026, 11, 2), deadline=deadline, text="工作例会交办。",
    )  # fmt: skip
    return item_assign(user=user, data=data)


@pytest.fixture
def open_items(admin_user, towns):
    """Three open items of 区建设局 (lead) with 府山街道 (co) on 16 November 2026:
    overdue, due soon (3 days by default) and further off; one of 北海街道 alone."""
    jianshe = Unit.objects.get(name="区建设局")
    return [
        supervision_item(admin_user, [jianshe, towns[0]], day, title)
        for day, title in (
            (date(2026, 11, 12), "逾期的事项"),
            (date(2026, 11, 19), "临期的事项"),
            (date(2026, 12, 31), "正常的事项"),
        )
    ] + [supervision_item(admin_user, [towns[1]], date(2026, 11, 30), "北海的事项")]


def test_the_unit_index_counts_each_units_open_supervision_items(
    official_client, open_items, towns
):
    rows = {row.unit.name: row for row in unit_index(year=2026, today=SUITE_DAY)}
    counts = {
        name: [
            c["supervision_open"],
            c["supervision_due_soon"],
            c["supervision_overdue"],
        ]
        for name, c in [
            ("区建设局", rows["区建设局"].counts),
            *((m.unit.name, m.counts) for m in rows["各镇街"].members),
            ("各镇街", rows["各镇街"].counts),
            ("区财政局", rows["区财政局"].counts),
        ]
    }
    assert counts == {
        "区建设局": [3, 1, 1],
        "府山街道": [3, 1, 1],
        "北海街道": [1, 0, 0],
        "塔山街道": [0, 0, 0],
        "各镇街": [4, 1, 1],  # its members' added up
        "区财政局": [0, 0, 0],
    }
    html = official_client.get("/units/?year=2026").content.decode()
    assert "督办事项（今日在办）" in html
    jianshe = Unit.objects.get(name="区建设局")
    row = re.search(rf'<tr data-unit="{jianshe.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    assert cells[-3:] == ["3", "▲ 1", "✖ 1"]


def test_the_board_api_lists_the_open_supervision_items_as_the_reader_may_see(
    client, official_client, open_items, towns, make_user
):
    jianshe = Unit.objects.get(name="区建设局")
    data = official_client.get(f"/api/v1/units/{jianshe.pk}/board/").json()
    found = data["supervision"]
    assert (found["open"], found["due_soon"], found["overdue"]) == (3, 1, 1)
    assert [(i["title"], i["light"]["code"], i["role"]) for i in found["items"]] == [
        ("逾期的事项", "overdue", "牵头"),
        ("临期的事项", "due_soon", "牵头"),
        ("正常的事项", "normal", "牵头"),
    ]
    assert found["items"][0]["light"]["text"] == "已逾期4天"
    fushan = official_client.get(f"/api/v1/units/{towns[0].pk}/board/").json()
    assert {i["role"] for i in fushan["supervision"]["items"]} == {"配合"}
    # 北海街道's staff read 区建设局's board, but not items their unit does not share.
    client.force_login(make_user("beihai", Role.REPORTER, ["北海街道"]))
    other = client.get(f"/api/v1/units/{jianshe.pk}/board/").json()["supervision"]
    assert other == {"open": 0, "due_soon": 0, "overdue": 0, "items": []}
    own = client.get(f"/api/v1/units/{towns[1].pk}/board/").json()["supervision"]
    assert [i["title"] for i in own["items"]] == ["北海的事项"]
