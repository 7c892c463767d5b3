"""The ledgers seen by town: a unit's board lists its stages behind or due, the
notice names the projects behind, the 驾驶舱 shows the count by town of a ledger
that drives, and the index sums investment by town and kind."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dashboard.notice_document import notice_content
from dashboard.ranking import monthly_notice
from indicators.models import Indicator
from projects.counts import ledger_counts
from projects.selectors import (
    behind_schedule,
    behind_schedule_rows,
    board_stages,
    investment_by_town,
    ledger_by_town,
    ledgers_by_town,
)
from projects.services import ledger_year_set
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(add_project):
    """Today is 2026-11-16. 仓桥: 开工 planned 2026-10-01, not reached (behind);
    西小路: 开工 planned 2026-12-01 (due in 15 days); 北海: 完工 planned
    2026-09-01, reached 2026-11-02 (behind at October's end, not now)."""
    return [
        add_project(
            name="仓桥小区",
            reached={"planned": date(2026, 1, 5)},
            planned={"started": date(2026, 10, 1)},
            planned_investment=500,
            spent_investment=120,
        ),  # fmt: skip
        add_project(
            name="西小路小区",
            reached={"planned": date(2026, 1, 5)},
            planned={"started": date(2026, 12, 1)},
            planned_investment=300,
            spent_investment=300,
        ),  # fmt: skip
        add_project(
            kind="elevator",
            name="北海街道环山路9号",
            town="北海街道",
            quantity=2,
            reached={
                "consulted": date(2026, 3, 1),
                "approved": date(2026, 4, 1),
                "started": date(2026, 5, 1),
                "completed": date(2026, 11, 2),
            },
            planned={"completed": date(2026, 9, 1)},
            planned_investment=80,
            spent_investment=40,
        ),  # fmt: skip
    ]


def test_a_towns_board_lists_its_stages_behind_then_due(
    client, ledger, fushan_user, beihai_user
):
    fushan = Unit.objects.get(name="府山街道")
    rows = board_stages(user=fushan_user, unit=fushan, today=date(2026, 11, 16))
    assert [(r.project.name, r.stage_label, r.late, r.days) for r in rows] == [
        ("仓桥小区", "开工", True, 46),
        ("西小路小区", "开工", False, 15),
    ]
    client.force_login(fushan_user)
    page = client.get(f"/units/{fushan.pk}/").content.decode()
    assert "项目台账：滞后和30天内到期的阶段（2项）" in page
    assert "仓桥小区" in page and "✖ 滞后" in page and "▲ 30天内到期" in page
    # Another town's staff see the board but none of 府山's projects.
    client.force_login(beihai_user)
    page = client.get(f"/units/{fushan.pk}/").content.decode()
    assert "（0项）" in page and "仓桥小区" not in page


def test_the_notice_names_the_projects_behind_as_of_its_day(official_client, ledger):
    # At October's end the lift's 完工 (planned 9-01, reached 11-02) was behind.
    october = [r.project.name for r in behind_schedule(as_of=date(2026, 10, 31)).named]
    assert october == ["仓桥小区", "北海街道环山路9号"]
    assert [
        r.project.name for r in behind_schedule(as_of=date(2026, 11, 16)).named
    ] == ["仓桥小区"]
    page = official_client.get("/notices/2026-10/").content.decode()
    assert "九、进度滞后的项目（项目台账，2个，截至2026年10月31日）" in page
    assert "北海街道环山路9号" in page
    content = notice_content(monthly_notice(period=date(2026, 10, 1)))
    (table,) = [
        b
        for b in content["blocks"]
        if b["type"] == "table" and "滞后阶段" in b["headers"]
    ]
    assert table["rows"] == [
        ["老旧小区改造", "府山街道", "仓桥小区", "开工", "2026年10月1日", "30"],
        ["加装电梯", "北海街道", "北海街道环山路9号", "完工", "2026年9月1日", "60"],
    ]
    assert content["figures"]["projects_behind"]["value"] == "2"


def test_the_notice_counts_every_project_behind_names_the_first_and_exports_all(
    official_client, ledger, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("projects.selectors.NAMED_BEHIND", 1)
    monkeypatch.setattr("projects.selectors.TOWNS_NAMED", 1)
    with django_assert_max_num_queries(4):
        behind = behind_schedule(as_of=date(2026, 10, 31))
    assert (behind.total, behind.towns, behind.unnamed) == (2, 2, 1)
    assert [r.project.name for r in behind.named] == ["仓桥小区"]
    assert behind.summary == (
        "共2个项目有阶段滞后：老旧小区改造1个、加装电梯1个；"
        "涉及2个镇街/平台，最多的是府山街道（1个）。"
    )
    page = official_client.get("/notices/2026-10/").content.decode()
    assert "九、进度滞后的项目（项目台账，2个，截至2026年10月31日）" in page
    assert behind.summary in page
    assert "仓桥小区" in page and "北海街道环山路9号" not in page
    assert "另有1个项目滞后" in page
    with django_assert_max_num_queries(1):
        rows = behind_schedule_rows(as_of=date(2026, 10, 31))
    assert rows == [
        ("老旧小区改造", "府山街道", "仓桥小区", "开工", date(2026, 10, 1), 30),
        ("加装电梯", "北海街道", "北海街道环山路9号", "完工", date(2026, 9, 1), 60),
    ]
    # The Excel lists every project behind, not only those named.
    sheet = load_workbook(
        BytesIO(official_client.get("/notices/2026-10/?format=xlsx").content)
    ).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "仓桥小区" in cells and "北海街道环山路9号" in cells


def test_the_screen_shows_the_count_by_town_of_a_ledger_that_drives(
    official_client, ledger, admin_user, add_project, record, monkeypatch
):
    record("北海街道", 7, "2026-10", "5")  # 2026 has data: the screen opens on it
    add_project(
        kind="elevator", name="北海街道环山路11号", town="北海街道", quantity=3,
        reached={"consulted": date(2026, 3, 1), "approved": date(2026, 4, 1),
                 "started": date(2026, 5, 1), "completed": date(2026, 9, 1),
                 "in_use": date(2026, 10, 20)},
    )  # fmt: skip
    page = official_client.get("/screen/").content.decode()
    assert "ledger-panel-elevator" not in page
    ledger_year_set(
        user=admin_user, indicator=Indicator.objects.get(code=7), year=2026,
        drives=True,
    )  # fmt: skip
    page = official_client.get("/screen/").content.decode()
    panel = page.split('id="ledger-panel-elevator"')[1].split("</div>")[0]
    assert "7. 住宅加装电梯累计数量" in panel and "台账计数，截至10月31日" in panel
    # 北海: the two lifts of 11号 in use on 10-20; 9号 is not in use yet.
    row = panel.split("北海街道")[1].split("</tr>")[0]
    assert '<span class="figure">3</span>' in row
    assert "另有" not in panel
    # The wall shows the first towns only and counts the others.
    add_project(
        kind="elevator", name="府山街道仓桥3号", town="府山街道", quantity=1,
        reached={"consulted": date(2026, 3, 1), "approved": date(2026, 4, 1),
                 "started": date(2026, 5, 1), "completed": date(2026, 9, 1),
                 "in_use": date(2026, 10, 2)},
    )  # fmt: skip
    monkeypatch.setattr("dashboard.screen.LEDGER_TOWNS_SHOWN", 1)
    page = official_client.get("/screen/").content.decode()
    panel = page.split('id="ledger-panel-elevator"')[1].split("</div>")[0]
    assert panel.count("</tr>") == 3  # the heading, one town, the district
    assert "全区（另有1个单位）" in panel and '<span class="figure">4</span>' in panel


def test_the_index_sums_investment_by_town_and_kind(client, ledger, fushan_user):
    client.force_login(fushan_user)
    page = client.get("/projects/").content.decode()
    table = page.split('id="investment-title"')[1]
    # 府山 sees its own two 小区 (800 planned, 420 spent), not 北海's lift.
    assert '<th scope="row">府山街道</th>' in table and "北海街道" not in table
    assert "<b>800 / 420</b>" in table and "53%" in table
    assert "800 / 420</td>" in table.split("<tfoot>")[1]
    assert client.get("/projects/?year=2025").content.decode().count("800 / 420") == 0


def test_a_province_sized_roster_is_paged_and_filtered_by_name(
    client, ledger, add_project, admin_user, monkeypatch, django_assert_max_num_queries
):
    """At a province's size the count by town and the investment table show a
    page of units with the totals of all, and the town filter takes a name."""
    add_project(name="北海小区", town="北海街道", reached={"planned": date(2026, 1, 5)})
    monkeypatch.setattr("projects.views.TOWNS_PER_PAGE", 1)
    monkeypatch.setattr("projects.forms.MOST_LISTED", 1)
    indicator = Indicator.objects.get(code=4)
    with django_assert_max_num_queries(5):
        by_town = ledger_by_town(
            indicator=indicator, year=2026, today=date(2026, 11, 16)
        )
    assert (by_town.projects, by_town.late) == (3, 1)
    counts = ledger_counts(year=2027, codes=(4,))  # the indicator page's one read
    with django_assert_max_num_queries(3):
        again = ledger_by_town(
            indicator=indicator, year=2026, today=date(2026, 11, 16), counts=counts
        )
    assert [(t.unit.name, t.figure) for t in again.towns] == [
        (t.unit.name, t.figure) for t in by_town.towns
    ]
    with django_assert_max_num_queries(2):
        investment_by_town(user=admin_user)
    client.force_login(admin_user)

    page = client.get("/projects/renovation/?year=2026").content.decode()
    counts = page.split('id="ledger-towns-title"')[1].split("</section>")[0]
    assert counts.count('<tr><th scope="row"><a') == 1
    assert (
        "各镇街计数第 1 / " in counts and "tpage=2" in counts and "year=2026" in counts
    )
    # The footer sums every town, not the page: three projects, one behind.
    assert '<td class="num">3</td><td class="num">1</td></tr></tfoot>' in counts
    assert '<select name="town"' not in page and 'name="town" placeholder' in page

    found = client.get("/projects/renovation/?town=府山街道").content.decode()
    assert "仓桥小区" in found and 'value="府山街道"' in found
    wrong = client.get("/projects/renovation/?town=不存在街道")
    assert wrong.status_code == 400
    assert "没有名为“不存在街道”的镇街或平台公司" in wrong.content.decode()

    index = client.get("/projects/?ipage=2").content.decode()
    table = index.split('id="investment-title"')[1]
    body = table.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count('<tr><th scope="row">') == 1  # one unit a page
    assert "880 / 460</b>" in table.split("<tfoot>")[1]  # all units' total


def test_the_first_towns_alone_are_counted_as_the_whole_list_counts_them(
    ledger, add_project, django_assert_max_num_queries
):
    """The 驾驶舱 keeps a ledger's first towns only and asks for their late
    projects alone: each town kept says what the whole list says of it."""
    add_project(
        name="北海小区", town="北海街道", reached={"planned": date(2026, 1, 5)},
        planned={"started": date(2026, 9, 1)},
    )  # fmt: skip
    indicators = [Indicator.objects.get(code=4)]
    today = date(2026, 11, 16)
    (whole,) = ledgers_by_town(indicators=indicators, year=2026, today=today)
    assert [(t.unit.name, t.late) for t in whole.towns] == [
        ("府山街道", 1), ("北海街道", 1)
    ]  # fmt: skip
    for first in (1, 2, 5):
        with django_assert_max_num_queries(6):
            (cut,) = ledgers_by_town(
                indicators=indicators, year=2026, today=today, first=first
            )
        assert cut.towns == whole.towns[:first]
        assert cut.more == max(0, len(whole.towns) - first)
        assert cut.district == whole.district
