"""Login throttling on django-axes, in three scopes that a stranger cannot aim.

- **account at one address**: AXES_FAILURE_LIMIT failures at one account from one
  address lock that account from that address only. Whoever guesses at `admin`
  locks themselves out, not the admin at their own desk.
- **address**: ADDRESS_FAILURE_LIMIT failures from one address across accounts lock
  that address for everyone (an address is often a shared desk or gateway, so its
  limit is higher).
- **account everywhere**: failures at one account from AXES_ACCOUNT_WIDE_ADDRESSES
  distinct addresses within the cool-off lock the account wherever the next
  attempt comes from, and its API token with it: guesses spread over many
  machines are an attack on that account, not someone mistyping.

Every scope lasts AXES_COOLOFF_TIME after the last failure that counts for it.
The addresses are what `client_address` reads, so a client cannot fake many of
them with X-Forwarded-For.
"""

import logging
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

# Which scope locked a request, for the lockout page (request.axes_lockout_scope).
ACCOUNT_AT_ADDRESS = "account_at_address"
ADDRESS = "address"
ACCOUNT = "account"


def client_address(request: HttpRequest) -> str | None:
    """The address of whoever is logging in.

    Behind PROXY_COUNT trusted proxies, each appends the address it saw to
    X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right;
    anything further left was written by the client and may be forged. With no
    proxy configured the header is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if not count:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def _addresses(attempts: QuerySet) -> int:
    return attempts.values("ip_address").distinct().count()


def account_failure_addresses(*, username: str, since: datetime) -> int:
    """Return how many distinct addresses failed to log in as `username` since."""
    return _addresses(
        AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    )


def account_locked_everywhere(*, username: str, now: datetime | None = None) -> bool:
    """Return whether the account is locked wherever a login or token comes from.

    The one answer for the login handler below and the API's token check.
    """
    since = (now or timezone.now()) - get_cool_off()
    return (
        account_failure_addresses(username=username, since=since)
        >= settings.AXES_ACCOUNT_WIDE_ADDRESSES
    )


class AccountAndAddressHandler(AxesDatabaseHandler):
    """axes' database handler, counting the three scopes of this module.

    axes compares one number, get_failures(), with AXES_FAILURE_LIMIT; each scope
    is weighed so that reaching its own limit reaches that number.
    """

    def _recent(
        self, request: HttpRequest, credentials: dict | None
    ) -> tuple[QuerySet, QuerySet, QuerySet]:
        """This attempt's failures within the cool-off: (account at this address,
        account anywhere, this address on any account)."""
        username = get_client_username(request, credentials)
        recent = AccessAttempt.objects.filter(
            attempt_time__gte=get_cool_off_threshold(request)
        )
        by_address = recent.filter(ip_address=request.axes_ip_address)
        if username is None:
            # No account named: only the address can be held to account.
            nothing = recent.none()
            return nothing, nothing, by_address
        by_account = recent.filter(username=username)
        return (
            by_account.filter(ip_address=request.axes_ip_address),
            by_account,
            by_address,
        )

    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        at_address, by_account, by_address = self._recent(request, credentials)
        weights = {
            ACCOUNT_AT_ADDRESS: _failures(at_address),
            ADDRESS: int(
                _failures(by_address) * limit / settings.ADDRESS_FAILURE_LIMIT
            ),
            ACCOUNT: (
                limit
                if _addresses(by_account) >= settings.AXES_ACCOUNT_WIDE_ADDRESSES
                else 0
            ),
        }
        request.axes_lockout_scope = next(
            (scope for scope, weight in weights.items() if weight >= limit), None
        )
        return max(weights.values())

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None:
            return
        at_address, by_account, _ = self._recent(request, credentials)
        # Log the moment an account locks everywhere, once: this failure is the
        # first from a new address, and that address made the count. Addresses
        # stay out of the log, as in axes' own lines; 登录失败记录 lists them.
        if (
            _addresses(by_account) == settings.AXES_ACCOUNT_WIDE_ADDRESSES
            and _failures(at_address) == 1
        ):
            logger.warning(
                "Account %r locked everywhere: login failures from %d addresses "
                "within %s.",
                get_client_username(request, credentials),
                settings.AXES_ACCOUNT_WIDE_ADDRESSES,
                get_cool_off(request),
            )

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login, forget that account's failures from this address.

        axes would also clear every failure from the same address, whoever they
        were aimed at: anyone could then guess at another account four times,
        log in as themselves, and guess again. Failures at the account from other
        addresses stay too: someone logging in at their desk must not restart the
        count of a guesser spread over many machines.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
