"""Login throttling: per account wherever the guesses come from, per address only
after many failures across accounts, with the client's address read through the
proxy when (and only when) one is configured."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from units.roles import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def axes_on():
    with override_settings(AXES_ENABLED=True):
        yield


def attempt(username: str, password: str = "wrong", address: str = "10.0.0.1", **meta):
    client = Client(REMOTE_ADDR=address, **meta)
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return response


def locked(response) -> bool:
    return response.status_code == 429 and "登录已暂时锁定" in response.content.decode()


def test_five_wrong_passwords_lock_that_account_only(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    make_user("li", Role.REPORTER, ["区建设局"])
    for _ in range(4):
        assert attempt("wang").status_code == 200  # the form again, with its message
    assert locked(attempt("wang"))
    # Now even the right password is refused, from anywhere…
    assert locked(attempt("wang", PASSWORD, address="10.0.0.9"))
    # …but a colleague at the same desk still logs in.
    assert attempt("li", PASSWORD).status_code == 302


def test_guesses_spread_over_addresses_still_lock_the_account(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    results = [attempt("wang", address=f"10.0.1.{n}") for n in range(10)]
    assert sum(locked(r) for r in results) >= 5
    assert locked(attempt("wang", PASSWORD, address="10.0.2.1"))


def test_an_address_guessing_many_accounts_is_locked_after_twenty(make_user):
    make_user("zhao", Role.REPORTER, ["区建设局"])
    for n in range(19):
        assert not locked(attempt(f"nobody{n}"))
    assert locked(attempt("nobody-last"))
    assert locked(attempt("zhao", PASSWORD))  # that address, whoever types
    assert attempt("zhao", PASSWORD, address="10.0.0.2").status_code == 302


def test_forwarded_addresses_count_only_behind_a_configured_proxy(make_user):
    make_user("li", Role.REPORTER, ["区建设局"])
    for n in range(3):
        attempt("li", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.0.{n}")
    # No proxy configured: the header is a client's claim, the socket address counts.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }


def test_an_admin_unlocks_by_clearing_the_attempts(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    for _ in range(5):
        attempt("wang")
    assert locked(attempt("wang", PASSWORD))
    AccessAttempt.objects.filter(username="wang").delete()  # 删除 in the admin
    assert attempt("wang", PASSWORD).status_code == 302


@override_settings(PROXY_COUNT=1)
def test_behind_nginx_each_client_counts_by_its_own_address(make_user):
    make_user("li", Role.REPORTER, ["区建设局"])
    for n in range(3):
        attempt("li", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.0.{n}")
    # A client's own X-Forwarded-For is further left: nginx appends what it saw.
    attempt("li", address="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.9.0.0")
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"10.9.0.0", "10.9.0.1", "10.9.0.2"}


def test_logging_in_does_not_clear_guesses_at_someone_else(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    make_user("li", Role.REPORTER, ["区建设局"])
    for _ in range(3):
        for _ in range(4):
            attempt("wang")  # four guesses at wang …
        assert attempt("li", PASSWORD).status_code == 302  # … then li logs in
    assert locked(attempt("wang", PASSWORD))
