import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from indicators.models import Indicator, Target
from indicators.services import target_revise
from reporting.district import district_values_refresh
from reporting.models import IndicatorValue, MonthlyReport
from units.models import Unit

from ..conftest import during

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_history(plan, admin_user):
    """5 years × 12 months × 14 indicators × 40 units of approved values."""
    group = Unit.objects.get(name="各镇街")
    Unit.objects.bulk_create(
        Unit(name=f"测试街道{i}", kind=Unit.Kind.TOWN, parent=group, position=i)
        for i in range(1, 41)
    )
    units = list(Unit.objects.filter(parent=group))
    periods = [date(y, m, 1) for y in range(2023, 2028) for m in range(1, 13)]
    periods = [p for p in periods if p <= date(2026, 10, 1)]
    MonthlyReport.objects.bulk_create(
        MonthlyReport(unit=u, period=p, status=MonthlyReport.Status.APPROVED)
        for u in units
        for p in periods
    )
    reports = list(MonthlyReport.objects.filter(unit__in=units))
    indicators = list(Indicator.objects.all())
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            report=r, indicator=i, value=Decimal(r.period.month), updated_by=admin_user
        )
        for r in reports
        for i in indicators
    )
    district_values_refresh(indicator_ids=[i.pk for i in indicators], periods=periods)
    return len(reports) * len(indicators)


@during(2025)
def test_home_shows_every_indicator_with_the_plans_target(official_client, record):
    record("区建设局", 5, "2025-06", "89")
    html = official_client.get("/?year=2025").content.decode()
    assert html.count('data-indicator="') == 14
    assert "＞220" not in html  # 2025's target for 老旧小区 is a plain 220
    row = re.search(r'data-indicator="5">(.*?)</tr>', html, re.S).group(1)
    # Expected in June: 87.5 (2024's target) + (90 - 87.5) × 6/12 = 88.75.
    assert "89" in row and "6月" in row and "正常" in row
    assert "✔ 已达标" not in row


def test_home_uses_the_strict_comparator_from_2026(official_client):
    html = official_client.get("/?year=2026").content.decode()
    assert "＞220" in html and "＞250" in html


@during(2025, 4)
def test_home_summary_counts_statuses_per_domain(official_client, record):
    record("区建设局", 11, "2025-03", "100")
    html = official_client.get("/?year=2025").content.decode()
    safety = html.split("<h2>住房安全</h2>")[1].split("</ul>")[0]
    assert re.search(r"已达标 <b>1</b>", safety)
    assert re.search(r"未填报 <b>2</b>", safety)


@during(2025, 5)
def test_pending_values_show_only_when_asked_and_are_marked(official_client, record):
    record("区建设局", 14, "2025-04", "35.9", status="submitted")
    plain = official_client.get("/?year=2025").content.decode()
    row = re.search(r'data-indicator="14">(.*?)</tr>', plain, re.S).group(1)
    assert "35.9" not in row and "未填报" in row
    pending = official_client.get("/?year=2025&pending=1").content.decode()
    row = re.search(r'data-indicator="14">(.*?)</tr>', pending, re.S).group(1)
    assert "35.9" in row and "待审核" in row


@pytest.mark.parametrize(
    "year, shown", [("abc", "2026"), ("1999", "2023"), ("2099", "2027")]
)
def test_a_bad_year_shows_the_nearest_plan_year_with_a_message(
    official_client, year, shown, settings
):
    response = official_client.get(f"/?year={year}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"“住有宜居”主要指标 · {shown}年" in html or year == "abc"
    assert "已显示" in html


def test_unknown_indicator_is_a_chinese_404(official_client):
    response = official_client.get("/indicators/99/")
    assert response.status_code == 404
    assert "没有序号为99的指标" in response.content.decode()


def test_pages_need_a_login(client, plan):
    for url in ("/", "/indicators/1/", "/export/indicators.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_indicator_page_shows_both_figures_where_the_lists_disagree(official_client):
    html = official_client.get("/indicators/14/?year=2023").content.decode()
    assert "工作清单第12项" in html
    assert re.search(r"35\s*平方米", html) and re.search(r"38\s*平方米", html)
    assert "口径说明" in html
    assert "10. 促进住房市场稳定" in html and "<b>区建设局</b>" in html


def test_indicator_page_breaks_a_count_down_by_town(official_client, towns, record):
    record("府山街道", 7, "2024-05", "60")
    record("北海街道", 7, "2024-05", "55")
    html = official_client.get("/indicators/7/?year=2024").content.decode()
    breakdown = html.split("分单位情况")[1].split("</table>")[0]
    assert "府山街道" in breakdown and "北海街道" in breakdown
    assert "115" in html  # the district figure is their sum


def test_target_revisions_are_marked_with_their_reason(official_client, admin_user):
    target = Target.objects.get(indicator__code=6, year=2025)
    target_revise(
        target=target,
        comparator="eq",
        value=Decimal("36"),
        user=admin_user,
        reason="新增两个试点",
    )
    html = official_client.get("/indicators/6/?year=2025").content.decode()
    assert "目标修订" in html and "新增两个试点" in html


@during(2024)
def test_export_has_a_chinese_file_name_and_the_home_table(official_client, record):
    record("区建设局", 2, "2024-06", "1.52")
    response = official_client.get("/export/indicators.xlsx?year=2024")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''" in disposition
    assert "%E4%BD%8F%E6%9C%89%E5%AE%9C%E5%B1%85" in disposition  # 住有宜居
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:5] == [
        "序号",
        "指标",
        "领域",
        "计量单位",
        "年度目标",
    ]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 14
    assert rows[2][4] == "1.5475" and rows[2][5] == 1.52 and rows[2][6] == "2024年6月"
    assert rows[3][8] == "未填报"


@pytest.mark.parametrize("size", ["one_month", "five_years"])
def test_home_and_indicator_pages_cost_a_fixed_number_of_queries(
    size, request, official_client, record, django_assert_max_num_queries
):
    if size == "one_month":
        record("区建设局", 1, "2025-01", "30")
    else:
        assert request.getfixturevalue("big_history") == 14 * 40 * 46
    official_client.get("/")
    # The home page reads the data's fingerprint (3 queries) before its cached
    # reporting panel, and which years have anything (1: the default year, or why a
    # year is empty); the indicator pages read what they draw, and the 危房台账
    # (2) for the verdicts of 11–13, the plan's facts (4) to link the plan's
    # inconsistencies about the indicator, the ledgers (1) for the counts and their
    # count by town (5). A past year's panel is its own December's returns, read
    # once (the roster, obligations and reports: 5 more).
    for url, budget in (
        ("/?year=2025", 24),  # 3 of them the open 督办事项 (参数, items, units)
        ("/indicators/4/?year=2025", 25),
        ("/indicators/2/", 25),
    ):
        with django_assert_max_num_queries(budget):
            assert official_client.get(url).status_code == 200
