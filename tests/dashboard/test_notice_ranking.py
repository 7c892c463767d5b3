"""The notice's 晾晒排名 over a long roster: each list (departments, towns) cut at
its own top and bottom, ties kept whole, the same on the page, in the frozen copy,
its .docx and its spreadsheet. A small roster with the cut-off lowered to 1 stands
in for a province's 3 000 towns."""

import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from dashboard import notice_document
from dashboard.notice_document import notice_content
from dashboard.ranking import UnitScore, monthly_notice, ranking_ends
from dashboard.services import notice_issue
from tests.conftest import during
from units.models import Unit

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)  # as of 31 October: January–September's returns due
TOWNS = "镇街及平台公司"


@pytest.fixture
def five_towns(plan, record, monkeypatch):
    """甲 sends August and September on time, 乙 September only, 丙丁戊 nothing:
    places 1, 2 and 3 shared by three. With one place kept at each end and up to
    three units named there, the top is 甲, the bottom the three tied, 乙 is left
    out."""
    monkeypatch.setattr(notice_document, "NOTICE_ENDS", 1)
    monkeypatch.setattr(notice_document, "NOTICE_TIE", 3)
    group = Unit.objects.get(name="各镇街")
    names = ["甲街道", "乙街道", "丙街道", "丁街道", "戊街道"]
    for position, name in enumerate(names, 1):
        Unit.objects.create(
            name=name, kind=Unit.Kind.TOWN, parent=group, position=position
        )
    with during(2026, 9, 3):
        record("甲街道", 4, "2026-08", "10", status="submitted")
    with during(2026, 10, 3):
        record("甲街道", 4, "2026-09", "12", status="submitted")
        record("乙街道", 4, "2026-09", "11", status="submitted")
    return names


def _town_table(blocks: list[dict]) -> list[list[str]]:
    heading = next(i for i, b in enumerate(blocks) if f"{TOWNS}（" in b.get("text", ""))
    assert blocks[heading]["type"] == "h2"
    return blocks[heading + 1]["rows"]


def test_each_list_is_cut_at_its_own_ends_without_splitting_a_tie(five_towns):
    notice = monthly_notice(period=OCTOBER)
    places = {s.unit.name: s.rank for s in notice.ranking.ranked}
    assert [places[n] for n in five_towns] == [1, 2, 3, 3, 3]
    blocks = notice_content(notice)["blocks"]
    rows = _town_table(blocks)
    assert [(r[0], r[1]) for r in rows] == [
        ("1", "甲街道"),
        ("……", "中间1个单位的名次见排名页"),
        ("3", "丙街道"),
        ("3", "丁街道"),
        ("3", "戊街道"),
    ]
    # Departments are a list of their own, before the towns, never cut by them.
    headings = [
        b["text"] for b in blocks if b["type"] == "h2" and "参与排名" in b["text"]
    ]
    departments = next(h for h in headings if "区级部门" in h)
    towns = next(h for h in headings if TOWNS in h)
    assert headings.index(departments) < headings.index(towns)
    assert towns == f"（二）{TOWNS}（5个单位参与排名）"
    department_rows = blocks[
        next(i for i, b in enumerate(blocks) if b.get("text") == departments) + 1
    ]["rows"]
    assert not {r[1] for r in department_rows} & set(five_towns)


def test_a_tie_too_big_to_name_at_an_end_is_one_line(five_towns, monkeypatch):
    monkeypatch.setattr(notice_document, "NOTICE_TIE", 2)
    rows = _town_table(notice_content(monthly_notice(period=OCTOBER))["blocks"])
    assert [(r[0], r[1]) for r in rows] == [
        ("1", "甲街道"),
        ("……", "中间1个单位的名次见排名页"),
        ("3", "并列第3名的3个单位，名单见排名页"),
    ]


def _score(name: str, rank: int) -> UnitScore:
    return UnitScore(unit=Unit(name=name), parts={}, detail={}, score=0, rank=rank)


def test_an_end_names_at_most_so_many_units_and_holds_a_bigger_tie_whole():
    # A province: 2 973 towns tied first, 3 tied last.
    towns = [_score(f"t{i}", 1) for i in range(2973)]
    towns += [_score(f"b{i}", 2974) for i in range(3)]
    ends = ranking_ends("镇街", towns, 20, 40)
    assert ends.top == [] and ends.top_tie == (1, 2973)
    assert [s.unit.name for s in ends.bottom] == ["b0", "b1", "b2"]
    assert ends.bottom_tie is None and not ends.gap
    # Ten units, 2nd shared by three across the top's edge: with two named at
    # most, the top is the 1st and one line for the three; the bottom, one line
    # for the three tied 7th and the 10th.
    ranks = (1, 2, 2, 2, 5, 6, 7, 7, 7, 10)
    many = [_score(str(i), r) for i, r in enumerate(ranks)]
    ends = ranking_ends("区级部门", many, 2, 3)
    assert [s.rank for s in ends.top] == [1] and ends.top_tie == (2, 3)
    assert ends.bottom_tie == (7, 3) and [s.rank for s in ends.bottom] == [10]
    assert ends.gap and ends.left_out == 2  # the 5th and the 6th


def test_the_page_prints_what_the_notice_freezes(five_towns, official_client):
    html = official_client.get("/notices/2026-10/").content.decode()
    towns = html.split(f"（二）{TOWNS}")[1].split("</table>")[0]
    shown = re.findall(r'class="unit-name">([^<]+)<', towns)
    assert shown == ["甲街道", "丙街道", "丁街道", "戊街道"]
    assert "中间1个单位的名次见排名页" in towns


def test_the_issued_notice_its_docx_and_sheet_keep_the_cut_per_list(
    five_towns, admin_user, client
):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    rows = _town_table(issued.snapshot["blocks"])
    assert [r[1] for r in rows if r[0] != "……"] == [
        "甲街道",
        "丙街道",
        "丁街道",
        "戊街道",
    ]
    client.force_login(admin_user)
    docx = client.get(f"/issued-notices/{issued.pk}/notice.docx").content
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    text = re.sub(r"<[^>]+>", "", xml).split("六、晾晒排名")[1].split("七、")[0]
    towns = text.split(f"（二）{TOWNS}（5个单位参与排名）")[1]
    assert "乙街道" not in towns and towns.index("甲街道") < towns.index("戊街道")
    sheet = client.get(f"{issued.get_absolute_url()}?format=xlsx").content
    cells = [
        [c for c in row if c is not None]
        for row in load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True)
    ]
    # Each list's heading stands above its own table, in the notice's order.
    heading = next(i for i, r in enumerate(cells) if r and f"{TOWNS}（" in str(r[0]))
    assert cells[heading + 1][0] == "名次" and cells[heading + 2][1] == "甲街道"
    assert [r[1] for r in cells[heading + 2 : heading + 7]] == [
        "甲街道", "中间1个单位的名次见排名页", "丙街道", "丁街道", "戊街道",
    ]  # fmt: skip
