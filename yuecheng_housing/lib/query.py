"""Reading years, months and ids from query strings: the one place that does it.

Real logs hold `?year=²`, `?year=99999999999`, `?unit=²` and `9999-12`; each is
refused with a Chinese message (a 400 or a notice on the page), never a 500.
Python's `str.isdigit()` accepts "²" and "５", which `int()` then rejects or
reads: only ASCII digits count here.
"""

import re
from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils import timezone

from yuecheng_housing.lib.periods import (
    PLAN_FIRST_YEAR,
    PLAN_LAST_YEAR,
    PLAN_YEARS,
    parse_period,
)

_ID = re.compile(r"^[0-9]{1,9}$")


def id_param(raw: object) -> int | None:
    """Return a positive database id from text, or None if it is not one."""
    text = str(raw or "").strip()
    return int(text) if _ID.match(text) and int(text) > 0 else None


def current_plan_year() -> int:
    """Return this year (Asia/Shanghai), clamped to the plan's 2023–2027."""
    year = timezone.localdate().year
    return min(max(year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)


def parse_plan_year(raw: str) -> int:
    """Return the plan year `raw` names; ValueError (in Chinese) if it names none."""
    text = str(raw).strip()
    if not re.fullmatch(r"[0-9]{4}", text) or int(text) not in PLAN_YEARS:
        raise ValueError(f"年份“{text[:20]}”不在方案期（2023—2027年）内。")
    return int(text)


def parse_plan_period(raw: str) -> date:
    """Return the plan month "2023-06" names; ValueError (in Chinese) if none."""
    period = parse_period(str(raw)[:20])
    if period.year not in PLAN_YEARS:
        raise ValueError(f"月份“{str(raw)[:20]}”不在方案期（2023—2027年）内。")
    return period


def year_from_request(
    request: HttpRequest, default: Callable[[], int] = current_plan_year
) -> int:
    """Return the plan year asked for, or the nearest one with a message saying so;
    `default()` when none is asked for."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return default()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
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


# A page past this is no page of ours: a province's longest list has a few
# thousand pages; an offset beyond SQLite's integers is a 500 otherwise.
MAX_PAGE = 100_000


def check_page(request: HttpRequest, name: str = "page") -> None:
    """Refuse a page number that is not a plain number within MAX_PAGE (400)."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"页码“{raw[:20]}”无效：应为1至{MAX_PAGE}之间的整数。")
