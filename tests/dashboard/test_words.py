"""The product's words, as a reader sees them on the page and in its Excel: people
by name, months as 2026年11月, one rounding per indicator, one way to write a day,
the notice's sections numbered alike on the page and in its Excel."""

import io
import re
from datetime import date

import pytest
import time_machine
from django.contrib.staticfiles import finders
from openpyxl import load_workbook

from indicators.models import PlanSettings
from reporting.models import MonthlyReport
from tasks.models import WorkListEntry
from units.models import Unit
from units.roles import Role
from units.services import user_save

from ..conftest import SUITE_INSTANT, during

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's words, tags removed."""
    page = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _named(user, name: str):
    user_save(username=user.username, role=Role.ADMIN, first_name=name)
    user.refresh_from_db()
    return user


def test_pages_name_the_person_never_the_login(client, admin_user, record):
    _named(admin_user, "李协调")
    record("区建设局", 7, "2026-09", "300")
    client.force_login(admin_user)
    page = client.get("/indicators/7/?year=2026").content.decode()
    assert "退出（李协调）" in page
    assert "李协调" in page.split("填报人")[1]  # the values table's 填报人
    assert "coordinator" not in page
    admin = client.get("/admin/").content.decode()
    assert "欢迎，<strong>李协调</strong>" in admin and "coordinator" not in admin


def test_an_account_without_a_name_is_shown_by_its_role(client, make_user):
    reader = make_user("wangwu-2024", Role.OFFICIAL)
    client.force_login(reader)
    page = client.get("/").content.decode()
    assert "退出（领导）" in page and "wangwu-2024" not in page


def test_the_admin_speaks_chinese_in_every_string_we_control(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    for english in ("Model name", "Add link", "Change or view list link", "Welcome"):
        assert english not in page
    assert "数据类别" in page and "欢迎，" in page


def test_months_are_words_in_sentences_and_in_the_admin(record, admin_user, client):
    stored = record("区建设局", 7, "2026-09", "300")
    assert str(stored.report) == "区建设局 2026年9月"
    assert str(WorkListEntry.objects.get(work_list__year=2023, seq=10)).startswith(
        "2023年第10项 "
    )
    client.force_login(admin_user)
    reports = client.get("/admin/reporting/monthlyreport/").content.decode()
    assert "2026-09" not in reports


@during(2025, 4, 10)
def test_the_forecast_says_up_to_which_month_it_reads(official_client, record):
    for month, value in ((1, "35"), (2, "35.1"), (3, "35.2")):
        record("区建设局", 14, f"2025-{month:02d}", value)
    text = _text(official_client.get("/indicators/14/?year=2025"))
    assert "依据截至2025年3月已审核的3个月区级数据" in text
    assert "前已审核" not in text


@during(2025, 4, 10)
def test_a_forecast_reads_the_same_on_the_home_page_indicator_page_and_api(
    official_client, record
):
    # 35.2 + 0.1 × 9 = 36.1: written 36.1 everywhere, never 36.10 beside it.
    for month, value in ((1, "35"), (2, "35.1"), (3, "35.2")):
        record("区建设局", 14, f"2025-{month:02d}", value)
    home = official_client.get("/?year=2025").content.decode()
    row = re.search(r'data-indicator="14">(.*?)</tr>', home, re.S).group(1)
    assert "36.1<" in row and "36.10" not in row
    detail = official_client.get("/indicators/14/?year=2025").content.decode()
    assert "<b>36.1</b>" in detail and "36.10" not in detail
    api = official_client.get("/api/v1/indicators/14/forecast/?year=2025").json()
    assert api["value"] == 36.1


def test_a_unit_with_brackets_is_bracketed_once(official_client):
    detail = official_client.get("/indicators/2/").content.decode()
    assert "（万套［间］）" in detail and "（万套（间））" not in detail
    plan = official_client.get("/plan/").content.decode()
    assert "&lt;间&gt;" not in plan and "<间>" not in plan
    assert "（万套［间］）" in plan


def _notice_excel_headings(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [
        c.value
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and re.match(r"^[一二三四五六七八九]、", c.value)
    ]


def test_the_notice_excel_numbers_its_sections_as_the_page(official_client):
    page = official_client.get("/notices/2026-10/").content.decode()
    on_page = [
        re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page, re.S)
    ]
    excel = official_client.get("/notices/2026-10/?format=xlsx")
    assert on_page == _notice_excel_headings(excel.content)
    assert on_page[5] == "六、晾晒排名" and on_page[6].startswith("七、危房治理情况")
    # The returns' deadline, named as one: not "（截止11月5日）".
    assert "二、2026年9月数据报送情况（报送截止日为10月5日）" in on_page
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet.title == "工作通报（2026年10月）"


@during(2025, 4, 10)
def test_the_notice_excel_writes_figures_as_numbers_without_apostrophes(
    official_client, record
):
    for month, value in ((1, "35"), (2, "35.02"), (3, "35.04")):
        record("区建设局", 14, f"2025-{month:02d}", value)
    page = official_client.get("/notices/2025-03/").content.decode()
    assert "+0.11" in page
    sheet = load_workbook(
        io.BytesIO(official_client.get("/notices/2025-03/?format=xlsx").content)
    ).active
    row = next(r for r in sheet.iter_rows() if r[1].value == "平方米")
    values = [c.value for c in row if c.value is not None]
    assert values[2:] == [36, 35.22, 35.22, 35.22, 0.11]
    assert row[6].number_format == "+0.00;-0.00;0"  # shown +0.11, no '+0.11
    texts = [c.value for r in sheet.iter_rows() for c in r if c.data_type == "s"]
    assert not [t for t in texts if re.fullmatch(r"'?[+-]?\d+(\.\d+)?", t or "")]


def test_the_printed_notice_keeps_the_registers_link_text(official_client):
    page = official_client.get("/notices/2026-10/").content.decode()
    link = re.search(r"明细见(<a [^>]*>)危房台账</a>。", page)
    assert link and "no-print" not in link.group(1)
    print_css = open(finders.find("css/print.css")).read()
    assert not re.search(r"(^|[,}\s])a\s*[,{][^}]*display:\s*none", print_css)


def test_the_ranking_excel_writes_its_day_as_the_page_in_a_whole_sheet_name(
    client, official
):
    with time_machine.travel(SUITE_INSTANT.replace(month=12, day=7), tick=False):
        client.force_login(official)
        page = _text(client.get("/ranking/?year=2026"))
        response = client.get("/ranking/?year=2026&format=xlsx")
    assert "截至 2026年12月7日" in page
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "截至2026年12月7日" in sheet["A1"].value
    assert "12月07日" not in sheet["A1"].value
    assert sheet.title == "晾晒排名（2026年）"


def test_the_all_units_template_counts_the_units_it_holds(client, admin_user, towns):
    client.force_login(admin_user)
    response = client.get("/report/template/?unit=all&period=2026-10")
    book = load_workbook(io.BytesIO(response.content))
    held = {
        row[3]
        for name in ("指标", "工作清单")
        for row in book[name].iter_rows(min_row=3, values_only=True)
        if row[3]
    }
    owed = Unit.objects.exclude(kind=Unit.Kind.GROUP).count()
    assert 3 < len(held) < owed  # not every unit owes a return
    title = book["指标"]["A1"].value
    assert f"{len(held)}个单位" in title and f"{owed}个单位" not in title


def test_the_home_page_shows_the_viewed_years_returns(official_client):
    past = _text(official_client.get("/?year=2023"))
    assert "2023年12月报送情况" in past and "2026年10月报送情况" not in past
    current = _text(official_client.get("/?year=2026"))
    assert "2026年10月报送情况" in current
    ahead = _text(official_client.get("/?year=2027"))
    assert "2026年10月报送情况 （2027年尚无应报月份，此为正在报送的月份）" in ahead


def test_every_page_links_a_favicon_that_is_served(official_client, client):
    assert finders.find("favicon.svg")
    for url in ("/", "/screen/", "/accounts/login/"):
        page = (official_client if url != "/accounts/login/" else client).get(url)
        assert 'rel="icon" href="/static/favicon' in page.content.decode(), url


def test_the_warning_threshold_help_says_which_side_is_warning():
    help_text = PlanSettings._meta.get_field("warning_threshold").help_text
    # indicators.status: a gap below the band is 预警, at or beyond it 滞后.
    assert "小于" in help_text and "达到或超过该比例为“滞后”" in help_text
    assert "超过为" not in help_text


def test_a_reports_string_names_its_month_in_words(record):
    report = record("区建设局", 7, "2026-09", "300").report
    assert MonthlyReport.objects.get(pk=report.pk).__str__().endswith("2026年9月")
    assert date(2026, 9, 1) == report.period
