"""Login throttling per account and per address, on django-axes.

axes counts failures for each lockout parameter (settings.AXES_LOCKOUT_PARAMETERS:
username, then ip_address) and locks when the largest count reaches one limit. An
address is often shared (a 镇街 office's desk, a gateway), so it gets a higher limit:
its count is scaled so that ADDRESS_FAILURE_LIMIT failures weigh as AXES_FAILURE_LIMIT.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


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


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scale = settings.AXES_FAILURE_LIMIT / settings.ADDRESS_FAILURE_LIMIT
        return max(by_account, int(by_address * scale))

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful login, forget that account's failures only.

        axes would also clear every failure from the same address, whoever they
        were aimed at: anyone could then guess at another account four times,
        log in as themselves, and guess again.
        """
        by_account = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_account.delete()
        return count
