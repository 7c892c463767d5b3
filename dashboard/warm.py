"""The district's computed pages worked out before anyone asks for them
(`manage.py warm_pages`, every minute: deploy/systemd/yuecheng-warm.timer).

Each page keeps what it computes under the data's fingerprint
(reporting/fingerprint.py); this computes the same things through the same
functions, so the first official to open a page after an import or a review
reads it from the cache instead of waiting a second for a province's units to
be ranked. Warming changes when the work is done, never what a page says: a page
whose data changed since the last run works it out itself, as it always did.
When nothing changed, every part is found in the cache and a run costs a few
milliseconds.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dashboard.boards import unit_index
from dashboard.ranking import monthly_notice, unit_ranking
from dashboard.screen import screen_board
from dashboard.views import home_content
from reporting.obligations import read_once
from reporting.selectors import default_plan_year
from yuecheng_housing.lib.periods import reporting_month


@dataclass(frozen=True)
class Warmed:
    page: str  # as users know it
    seconds: float


def warm_pages(*, today: date) -> list[Warmed]:
    """Work out (or find) what the heavy pages show today, in the year they open
    on; the roster and the ledgers' counts read once for all of them."""
    year = default_plan_year()
    parts: list[tuple[str, Callable[[], object]]] = [
        (
            "指标总览",
            lambda: home_content(asked=0, include_pending=False, today=today),
        ),
        ("单位一览", lambda: unit_index(year=year, today=today)),
        ("晾晒排名", lambda: unit_ranking(year=year, today=today)),
        # The notice the navigation opens (notice_latest).
        ("工作通报", lambda: monthly_notice(period=reporting_month(), today=today)),
        ("驾驶舱", lambda: screen_board(year=year, today=today)),
    ]
    warmed = []
    with read_once():
        for page, compute in parts:
            started = time.perf_counter()
            compute()
            warmed.append(Warmed(page, time.perf_counter() - started))
    return warmed
