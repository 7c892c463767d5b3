"""A believable year of cases for the demo (`manage.py demo_data`), through the service.

Each case is entered on the day it was found and updated on the days it was
appraised, evacuated and remedied, so its history reads as it would have been
written. Most cases keep the plan's clocks; a few are late, as in a real year.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser

from hazards.services import CaseData, hazard_case_save
from units.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREETS = ["仓桥直街", "书圣故里", "鲁迅中路", "解放北路", "府山横街", "环城西路",
           "胜利西路", "延安东路", "中兴中路", "偏门直街"]  # fmt: skip
VILLAGES = ["东浦村", "鉴湖村", "坡塘村", "灵芝村", "寺东村", "型塘村", "镇塘殿村"]


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


def demo_cases_write(
    *, user: AbstractBaseUser, towns: list[Unit], today: date, per_town: int = 6
) -> int:
    """Write `per_town` cases per town, found over the last year; return the count."""
    rng = random.Random(14)
    count = 0
    for town_index, town in enumerate(towns):
        for n in range(per_town):
            rural = (n + town_index) % 3 == 0
            found = today - timedelta(days=rng.randint(5, 360))
            data = CaseData(
                town=town,
                address=_address(rng, rural),
                kind="rural" if rural else "urban",
                hardship=rural and n % 2 == 0,
                found_on=found,
            )
            case = hazard_case_save(
                user=user,
                data=data,
                confirmed=True,
                reason="演示数据",
                now=_moment(found),
            )
            count += 1
            # A few are late to be appraised, or not appraised at all.
            if n == 5 and town_index % 2 == 0:
                continue
            late = (n + town_index) % 7 == 3
            appraised = found + timedelta(
                days=rng.randint(35, 60) if late else rng.randint(3, 25)
            )
            if appraised > today:
                continue
            data.appraised_on = appraised
            data.grade = rng.choice("BCCCCDD")
            if data.hardship:
                data.relief_granted_on = appraised
            data.evacuated_on = appraised if data.grade == "D" and n != 4 else None
            _save(user, case, data, appraised)
            if data.grade == "B":
                continue
            remedied = found + timedelta(days=rng.randint(60, 170) if n % 5 else 230)
            if remedied > today or n in (2, 4):
                continue
            data.remedy = rng.choice(["reinforce", "reinforce", "rebuild", "demolish"])
            data.remedied_on = remedied
            if data.evacuated_on is None and data.grade == "D":
                data.evacuated_on = appraised
            _save(user, case, data, remedied)
    return count


def demo_2023_write(*, user: AbstractBaseUser, town: Unit) -> int:
    """Write the three towns' buildings made safe in 2023 (the work list's
    城镇危房实质性解危, 3 处), each on time."""
    for n, found in enumerate([date(2023, 2, 8), date(2023, 3, 15), date(2023, 5, 6)]):
        data = CaseData(
            town=town,
            address=f"{STREETS[n]}{n * 17 + 5}号",
            kind="urban",
            found_on=found,
        )
        case = hazard_case_save(
            user=user, data=data, confirmed=True, reason="演示数据", now=_moment(found)
        )
        data.appraised_on, data.grade = found + timedelta(days=12), "CDC"[n]
        data.evacuated_on = data.appraised_on if data.grade == "D" else None
        _save(user, case, data, data.appraised_on)
        data.remedy = ["reinforce", "rebuild", "demolish"][n]
        data.remedied_on = found + timedelta(days=150)
        _save(user, case, data, data.remedied_on)
    return 3


def _address(rng: random.Random, rural: bool) -> str:
    if rural:
        return f"{rng.choice(VILLAGES)}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
    return f"{rng.choice(STREETS)}{rng.randint(1, 300)}号"


def _save(user, case, data: CaseData, day: date) -> None:
    hazard_case_save(
        user=user,
        data=data,
        case_id=case.pk,
        confirmed=True,
        reason="演示数据",
        now=_moment(day),
    )
