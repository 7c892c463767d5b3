"""API tokens: they stop with their account (inactive, or locked everywhere), and
their keys are shown once, when issued, never again."""

import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from units.roles import Role
from units.services import api_token_issue

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/units/"


def login_attempt(username: str, address: str) -> None:
    Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": "wrong"}
    )


def assert_refused(response, words: str) -> None:
    assert response.status_code == 401, response.content[:300]
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert words in body["detail"], body["detail"]


@override_settings(AXES_ENABLED=True)
def test_a_token_stops_while_its_account_is_locked_everywhere(make_user, client):
    token = Token.objects.create(user=make_user("sys", Role.REPORTER, ["区建设局"]))
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    # A stranger's five guesses from one address lock only his own address: the
    # unit's system goes on.
    for _ in range(5):
        login_attempt("sys", "203.0.113.7")
    assert client.get(UNITS, **auth).status_code == 200
    for n in range(8):
        login_attempt("sys", f"10.0.1.{n}")
    assert client.get(UNITS, **auth).status_code == 200  # nine addresses so far
    login_attempt("sys", "10.0.1.9")
    assert_refused(client.get(UNITS, **auth), "已暂时锁定")


def test_a_token_of_an_inactive_account_is_refused(make_user, client):
    user = make_user("sys", Role.REPORTER, ["区建设局"])
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    response = client.get(UNITS, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert_refused(response, "已停用")


def test_an_unknown_token_is_refused_in_chinese(client):
    assert_refused(client.get(UNITS, HTTP_AUTHORIZATION="Token nonsense"), "令牌无效")


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_command_shows_a_key_only_when_it_issues_it(make_user):
    make_user("sys", Role.REPORTER, ["区建设局"])
    call_command(
        "api_token", "sys", stdout=(out := io.StringIO()), stderr=io.StringIO()
    )
    key = out.getvalue().strip()
    assert Token.objects.get(user__username="sys").key == key
    with pytest.raises(CommandError, match="只在发放时显示一次") as refused:
        call_command("api_token", "sys", stdout=(again := io.StringIO()),
                     stderr=io.StringIO())  # fmt: skip
    assert key not in str(refused.value) and again.getvalue() == ""
    assert key[:6] in str(refused.value) and "--rotate" in str(refused.value)
    assert Token.objects.get(user__username="sys").key == key  # still working


def test_the_admin_lists_tokens_by_account_and_never_shows_a_key(
    admin_client_, make_user
):
    user = make_user("sys", Role.REPORTER, ["区建设局"])
    key = api_token_issue(username="sys").key
    pages = {
        "list": reverse("admin:units_apitoken_changelist"),
        "page": reverse("admin:units_apitoken_change", args=[user.pk]),
        "delete": reverse("admin:units_apitoken_delete", args=[user.pk]),
        "history": reverse("admin:units_apitoken_history", args=[user.pk]),
    }
    for name, url in pages.items():
        response = admin_client_.get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert key not in page, name
        assert key[:6] + "••••••" in page or name == "history", name
    # The page only shows: a token is not edited.
    assert 'name="user"' not in admin_client_.get(pages["page"]).content.decode()
    # DRF's own token admin, which lists keys, is gone.
    assert admin_client_.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_the_admin_issues_a_token_and_shows_its_key_once(admin_client_, make_user):
    user = make_user("sys", Role.REPORTER, ["区建设局"])
    url = reverse("admin:units_apitoken_add")
    response = admin_client_.post(url, {"user": user.pk}, follow=True)
    key = Token.objects.get(user=user).key
    page = response.content.decode()
    assert page.count(key) == 1 and "只在此显示这一次" in page
    listing = admin_client_.get(reverse("admin:units_apitoken_changelist"))
    assert key not in listing.content.decode()
    assert key not in admin_client_.get(reverse("admin:index")).content.decode()
    assert not LogEntry.objects.filter(object_repr__contains=key).exists()
    assert Client().get(UNITS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_admin_refuses_a_second_token_or_one_for_an_inactive_account(
    admin_client_, make_user
):
    user = make_user("sys", Role.REPORTER, ["区建设局"])
    key = api_token_issue(username="sys").key
    url = reverse("admin:units_apitoken_add")
    response = admin_client_.post(url, {"user": user.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "已有接口令牌" in page and key not in page
    assert Token.objects.get(user=user).key == key
    gone = make_user("gone", Role.REPORTER, ["区建设局"])
    gone.is_active = False
    gone.save()
    response = admin_client_.post(url, {"user": gone.pk})
    assert "已停用" in response.content.decode()
    assert not Token.objects.filter(user=gone).exists()


def test_deleting_a_token_in_the_admin_stops_its_key(admin_client_, make_user):
    user = make_user("sys", Role.REPORTER, ["区建设局"])
    key = api_token_issue(username="sys").key
    url = reverse("admin:units_apitoken_delete", args=[user.pk])
    assert admin_client_.post(url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert Client().get(UNITS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_keys_the_admin_logged_before_are_masked(admin_user):
    migration = importlib.import_module(
        "units.migrations.0003_api_token_masked_in_admin"
    )
    key = "0123456789abcdef0123456789abcdef01234567"
    entry = LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(TokenProxy, False),
        object_id="1",
        object_repr=key,
        action_flag=ADDITION,
    )
    migration.mask_logged_keys(django_apps, None)
    entry.refresh_from_db()
    assert entry.object_repr == "令牌 012345••••••"
