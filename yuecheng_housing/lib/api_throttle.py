from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class AccountRateThrottle(UserRateThrottle):
    """Requests per account (per address when anonymous), at `API_RATE_LIMIT`.

    Read from settings on each request rather than DRF's class attribute, so the
    limit follows the environment and tests can set it.
    """

    def get_rate(self) -> str | None:
        return settings.API_RATE_LIMIT
