"""修改密码: every logged-in user changes their own password on the site's pages,
through Django's validators, and keeps their session."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from units.roles import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/accounts/password/"
NEW = "yuecheng-new-password-2026"


@pytest.fixture
def staff(plan, make_user):
    """A department's reporter (区建设局): not an admin, no access to /admin/."""
    return make_user("wang", Role.REPORTER, ["区建设局"])


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def change(client, old: str = PASSWORD, new: str = NEW, again: str | None = None):
    return client.post(
        URL,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_every_page_links_to_the_password_page(staff_client):
    page = staff_client.get("/").content.decode()
    assert f'href="{URL}"' in page and "修改密码" in page


def test_the_page_is_chinese_on_the_sites_own_template(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "<h1>修改密码</h1>",
        "旧密码</label>",
        "新密码</label>",
        "site-header",
        "wang",
    ):
        assert text in page


def test_staff_changes_their_password_and_stays_logged_in(staff_client, staff):
    response = change(staff_client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    done = staff_client.get(response["Location"])
    assert "密码已修改" in done.content.decode()
    assert staff_client.get("/").status_code == 200  # the session survived
    staff.refresh_from_db()
    assert staff.check_password(NEW) and not staff.check_password(PASSWORD)
    assert Client().login(username="wang", password=NEW)


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("wrong-old-password", NEW, None, "旧密码不正确"),
        (PASSWORD, NEW, NEW + "x", "两个密码不一致"),
        (PASSWORD, "12345678", None, "全都是数字"),
        (PASSWORD, "password", None, "太常见"),
        (PASSWORD, "wang", None, "密码太短，至少需要8个字符"),
        (PASSWORD, "yc-2026", None, "密码太短，至少需要8个字符"),
    ],
)
def test_a_refused_change_says_why_in_chinese_and_keeps_the_old_password(
    staff_client, staff, old, new, again, message
):
    response = change(staff_client, old, new, again)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    errors = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', page, re.S)
    assert errors and not re.search(
        r"[A-Za-z]{3}", re.sub("<[^>]+>", "", "".join(errors))
    )
    assert staff.check_password(PASSWORD)


def test_the_password_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert get_user_model().objects.count() == 0
