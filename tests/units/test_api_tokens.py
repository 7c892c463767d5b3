"""API tokens: they stop with their account (inactive, or locked everywhere), and
their keys are shown once, when issued, never again."""

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from units.roles import Role

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
