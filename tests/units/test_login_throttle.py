"""Login throttling: an account locks per address it is guessed from, everywhere
only after failures from many addresses; an address locks after many failures
across accounts; the client's address is read through the proxy when (and only
when) one is configured."""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.utils import timezone

from units.login_throttle import account_locked_everywhere
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


def test_five_wrong_passwords_lock_that_account_from_that_address_only(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    make_user("li", Role.REPORTER, ["区建设局"])
    for _ in range(4):
        assert attempt("wang").status_code == 200  # the form again, with its message
    response = attempt("wang")
    assert locked(response) and "本网络地址连续多次登录失败" in response.text
    # From that address even the right password is refused…
    assert locked(attempt("wang", PASSWORD))
    # …but wang at his own desk logs in, and so does a colleague at the guesser's.
    assert attempt("wang", PASSWORD, address="10.0.0.9").status_code == 302
    assert attempt("li", PASSWORD).status_code == 302


def test_a_stranger_guessing_at_admin_locks_out_only_himself(make_user):
    make_user("admin", Role.ADMIN)
    for _ in range(50):
        attempt("admin", address="203.0.113.7")
    assert locked(attempt("admin", PASSWORD, address="203.0.113.7"))
    assert attempt("admin", PASSWORD, address="10.0.0.1").status_code == 302
    assert not account_locked_everywhere(username="admin")


def test_failures_from_ten_addresses_lock_the_account_everywhere(make_user, caplog):
    make_user("wang", Role.REPORTER, ["区建设局"])
    for n in range(9):
        assert not locked(attempt("wang", address=f"10.0.1.{n}"))
    # Nine addresses: wang still logs in at his desk, and his login does not wipe
    # the guesses from elsewhere.
    assert attempt("wang", PASSWORD, address="10.0.2.1").status_code == 302
    with caplog.at_level(logging.WARNING, logger="units.login_throttle"):
        assert locked(attempt("wang", address="10.0.1.9"))  # the tenth address
        attempt("wang", address="10.0.1.9")  # a repeat is not a new lock
    warnings = [r for r in caplog.records if r.name == "units.login_throttle"]
    assert len(warnings) == 1
    assert "'wang' locked everywhere" in warnings[0].getMessage()
    assert "10 addresses" in warnings[0].getMessage()
    response = attempt("wang", PASSWORD, address="10.0.2.1")
    assert locked(response) and "已在所有地址暂时锁定" in response.text
    assert account_locked_everywhere(username="wang")


def test_the_account_wide_lock_ends_with_the_cool_off(make_user):
    make_user("wang", Role.REPORTER, ["区建设局"])
    for n in range(10):
        attempt("wang", address=f"10.0.1.{n}")
    assert locked(attempt("wang", PASSWORD, address="10.0.2.1"))
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert not account_locked_everywhere(username="wang")
        assert attempt("wang", PASSWORD, address="10.0.2.1").status_code == 302


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
