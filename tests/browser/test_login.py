import pytest
from playwright.sync_api import Page, expect

from indicators.models import Indicator
from indicators.plan_loader import plan_load
from units.roles import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_official_logs_in_and_sees_the_14_indicators(
    live_server, page: Page, make_user, transactional_db
):
    plan_load()
    make_user("leader", Role.OFFICIAL)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("tr[data-indicator]")).to_have_count(14)
    for indicator in Indicator.objects.all():
        expect(page.get_by_text(indicator.name, exact=True).first).to_be_visible()


def test_a_wrong_password_gets_a_chinese_message(
    live_server, page: Page, make_user, transactional_db
):
    plan_load()
    make_user("leader", Role.OFFICIAL)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
