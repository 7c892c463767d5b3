"""Which plan year a page shows."""

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone

from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR, PLAN_YEARS


def current_plan_year() -> int:
    """Return this year (Asia/Shanghai), clamped to the plan's 2023–2027."""
    year = timezone.localdate().year
    return min(max(year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)


def year_from_request(request: HttpRequest) -> int:
    """Return the plan year asked for, or the nearest one with a message saying so."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return current_plan_year()
    if not raw.isdigit():
        messages.warning(
            request, f"年份“{raw[:20]}”无法识别，已显示{current_plan_year()}年。"
        )
        return current_plan_year()
    year = int(raw)
    if year not in PLAN_YEARS:
        nearest = min(max(year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)
        messages.warning(request, f"方案期为2023—2027年，已显示{nearest}年。")
        return nearest
    return year
