"""Which plan year a page shows."""

from django.utils import timezone

from indicators.models import PLAN_FIRST_YEAR, PLAN_LAST_YEAR


def current_plan_year() -> int:
    """Return this year (Asia/Shanghai), clamped to the plan's 2023–2027."""
    year = timezone.localdate().year
    return min(max(year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)
