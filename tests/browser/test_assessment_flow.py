"""The 考核 in a browser: the admin sets a year's scheme before it closes, publishes
it once it has, the unit objects within the window and the admin answers with a
correction. 2025: the suite's clock (16 November 2026) has it closed and settled,
so the scheme is set on a day of 2025 (the server's clock moves with the test)."""

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from tests.conftest import SUITE_INSTANT
from units.models import Unit
from units.roles import Role

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser
YEAR = 2025


def _as(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_years_assessment_is_set_published_objected_to_and_answered(
    offline_page, live_server, loaded_plan, make_user, width
):
    page = offline_page
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    jianshe = Unit.objects.get(name="区建设局")
    make_user("office", Role.ADMIN, ["区建设局"])
    make_user("jianshe", Role.REPORTER, ["区建设局"])
    sheet_url = f"{base}/assessment/{YEAR}/units/{jianshe.pk}/"

    # Before the year closes: the scheme (the weights must add up to 100).
    december = datetime(YEAR, 12, 1, 10, tzinfo=SUITE_INSTANT.tzinfo)
    with time_machine.travel(december, tick=True):
        _as(page, base, "office")
        page.goto(f"{base}/assessment/{YEAR}/scheme/")
        departments = page.locator("section.card").filter(
            has=page.get_by_role("heading", name="区级部门", exact=True)
        )
        for label, weight in (
            ("按时报送", "30"), ("工作清单事项按期完成", "40"), ("指标完成情况", "20"),
        ):  # fmt: skip
            departments.get_by_label(label).fill(weight)
        departments.get_by_role("button", name="保存区级部门方案").click()
        expect(page.locator("main")).to_contain_text("之和须为100")
        departments = page.locator("section.card").filter(
            has=page.get_by_role("heading", name="区级部门", exact=True)
        )
        departments.get_by_label("指标完成情况").fill("30")
        departments.get_by_role("button", name="保存区级部门方案").click()
        expect(page.locator("main")).to_contain_text("已保存区级部门考核方案")

    # The year is over and settled: publish, once.
    page.goto(f"{base}/assessment/{YEAR}/")
    expect(page.locator("main")).to_contain_text("试算")
    page.get_by_role("button", name=f"发布{YEAR}年度考核结果").click()
    expect(page.locator("main")).to_contain_text(f"已发布{YEAR}年度考核结果")
    screenshot(page, f"assessment-table-{width}")

    # The unit reads its own sheet and objects within the window.
    _as(page, base, "jianshe")
    page.goto(sheet_url)
    expect(page.locator("main")).to_contain_text("异议期至2026年11月23日（含）")
    page.get_by_label("异议内容").fill("全年获市级表扬一次，未计入加分，请核实。")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("main")).to_contain_text("已提出异议")

    # The admin answers it, correcting the bonus; the change shows with its reason.
    _as(page, base, "office")
    page.goto(sheet_url)
    total_before = float(page.locator(".score-line b").first.inner_text())
    answer = page.locator("form[action*='/answer/']")
    answer.get_by_label("答复").fill("经核实属实，加1分。")
    answer.get_by_label("更正项目").select_option(label="加分合计")
    answer.get_by_label("更正后的值").fill("1")
    answer.get_by_role("button", name="答复").click()
    expect(page.locator("main")).to_contain_text("已答复")
    expect(page.locator("main")).to_contain_text(
        "加分：0分 → 1分。理由：经核实属实，加1分。"
    )
    assert float(page.locator(".score-line b").first.inner_text()) == total_before + 1
    screenshot(page, f"assessment-sheet-{width}")

    # The unit sees the answer on its sheet.
    _as(page, base, "jianshe")
    page.goto(sheet_url)
    expect(page.locator("main")).to_contain_text("经核实属实，加1分。")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.csp_refusals == [] and page.escaped == []
