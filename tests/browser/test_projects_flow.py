"""A town keeps its ledger in the browser: enters a 小区, photographs it,
advances it a stage and imports more from Excel, on a phone and a desk."""

from io import BytesIO

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from projects.models import Project
from tests.reporting.test_evidence import PNG
from units.models import Unit
from units.roles import Role

from ..conftest import SUITE_DAY
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def ledger_file() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["府山街道老旧小区改造台账"])
    sheet.append(["小区", "镇街/平台", "年度计划", "户数", "楼栋数", "谋划完成日期",
                  "立项计划日期"])  # fmt: skip
    sheet.append(
        ["西小路小区", "府山街道", 2026, "２４０", 8, "2026/2/1", "2026-12-10"]
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_town_enters_photographs_advances_and_imports_its_projects(
    offline_page, live_server, loaded_plan, make_user, settings, tmp_path, width
):
    settings.MEDIA_ROOT = tmp_path
    page = offline_page
    page.set_viewport_size({"width": width, "height": 900})
    group = Unit.objects.get(name="各镇街")
    Unit.objects.create(name="府山街道", kind=Unit.Kind.TOWN, parent=group)
    make_user("fushan", Role.REPORTER, ["府山街道"])
    today = SUITE_DAY.isoformat()  # the server runs at the suite's instant

    log_in(page, live_server.url, "fushan")
    page.goto(f"{live_server.url}/projects/renovation/")
    page.get_by_role("link", name="登记项目").click()
    page.get_by_label("小区", exact=True).fill("仓桥小区")
    page.get_by_label("户数").fill("320")
    page.get_by_label("楼栋数").fill("12")
    page.get_by_label("谋划·完成日期").fill("2026-01-05")
    page.get_by_label("立项·计划日期").fill("2026-03-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("已保存：仓桥小区")
    expect(page.locator("main")).to_contain_text("✖ 已过计划日期")

    page.locator("#id_category").select_option("before")
    page.locator("#id_file").set_input_files(
        {"name": "改造前.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("main")).to_contain_text("已上传改造前照片：改造前.png")
    expect(page.get_by_alt_text("改造前照片：改造前.png")).to_be_visible()

    page.get_by_label("完成日期").fill(today)
    page.get_by_role("button", name="记录完成").click()
    expect(page.locator("main")).to_contain_text("已记录：立项")
    screenshot(page, f"project-detail-{width}")

    page.goto(f"{live_server.url}/projects/renovation/import/")
    page.locator("#import-file").set_input_files(
        {"name": "府山.xlsx", "mimeType": "application/octet-stream",
         "buffer": ledger_file()}
    )  # fmt: skip
    page.get_by_label("仅预览，不写入").uncheck()
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("heading", name="已导入")).to_be_visible()
    expect(page.locator("main")).to_contain_text("新增 1")
    screenshot(page, f"project-import-{width}")

    page.goto(f"{live_server.url}/projects/renovation/")
    expect(page.locator(".hazard-list")).to_contain_text("仓桥小区")
    expect(page.locator(".hazard-list")).to_contain_text("西小路小区")
    screenshot(page, f"project-list-{width}")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # The index sums investment by town and kind; the town's board lists the
    # stage due (西小路's 立项, planned 2026-12-10: within 30 days).
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator(".investment-table")).to_contain_text("府山街道")
    screenshot(page, f"project-index-{width}")
    fushan = Unit.objects.get(name="府山街道")
    page.goto(f"{live_server.url}/units/{fushan.pk}/?year=2026")
    expect(page.locator("#ledger-stages-title")).to_contain_text("到期的阶段（1项）")
    expect(page.locator("main")).to_contain_text("▲ 30天内到期")
    screenshot(page, f"project-board-{width}")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.csp_refusals == [] and page.escaped == []
    assert Project.objects.get(name="西小路小区").households == 240
