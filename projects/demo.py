"""Believable ledgers for the demo (`manage.py demo_data`), through the service.

Each town gets a few projects of each kind a year; each project's stages are
spread over its year, reached up to today and planned after it, and a few are
behind their planned day, as in a real year. No ledger is set to drive its
indicator: the demo's verdicts stay on the demo returns until an admin switches.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser

from projects.kinds import KINDS
from projects.services import ProjectData, StageDates, project_save
from units.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLACES = ["仓桥", "书圣", "鲁迅", "解放", "府山", "环城", "胜利", "延安", "中兴",
          "偏门", "迎恩", "稽山", "塔山", "蕺山", "北海", "城南"]  # fmt: skip
NAMES = {
    "rental": "{p}人才公寓{n}期",
    "renovation": "{p}{n}小区",
    "future": "{p}未来社区",
    "elevator": "{p}路{n}号",
    "quality": "{p}安置房{n}标段",
    "village": "{p}村",
}
FUNDS = ["中央补助资金", "地方政府专项债", "区级财政", "居民出资"]
PER_TOWN = {"rental": 1, "renovation": 3, "future": 1, "elevator": 4, "quality": 1}


def demo_projects_write(
    *, user: AbstractBaseUser, towns: list[Unit], today: date, years=(2024, 2025, 2026)
) -> int:
    """Write the demo ledgers; return how many projects were written."""
    rng = random.Random(25)
    count = 0
    for year in years:
        if date(year, 1, 1) > today:
            continue
        for t, town in enumerate(towns):
            for key, per_town in PER_TOWN.items():
                for n in range(per_town):
                    count += _write(user, rng, KINDS[key], town, year, t, n, today)
        # One 特色村 a year, in a rural town.
        count += _write(user, rng, KINDS["village"], towns[-1], year, year, 0, today)
    return count


def _write(user, rng, kind, town, year, t, n, today) -> int:
    place = PLACES[(t * 5 + n * 3 + year) % len(PLACES)]
    name = f"{town.name[:2]}{NAMES[kind.key].format(p=place, n=n + 1)}"
    step = 300 // len(kind.stages)
    first = date(year, 1, 10) + timedelta(days=rng.randint(0, 40))
    late = rng.random() < 0.15
    stages, reached_all = {}, True
    for i, stage in enumerate(kind.stages):
        planned = first + timedelta(days=i * step)
        reached = planned + timedelta(days=rng.randint(-10, 20))
        if late and i >= 2:
            reached_all = False  # behind its plan from here
        if reached > today or not reached_all:
            reached_all = False
            stages[stage.key] = StageDates(planned_on=planned)
        else:
            stages[stage.key] = StageDates(planned_on=planned, reached_on=reached)
    planned_money = Decimal(rng.randint(80, 2000))
    spent = (planned_money * Decimal(rng.randint(20, 95)) / 100).quantize(Decimal(1))
    data = ProjectData(
        kind=kind.key,
        name=name,
        town=town,
        year=year,
        quantity=1 if kind.one_each else (
            rng.randint(120, 600) if kind.key == "rental" else rng.randint(1, 4)
        ),
        households=rng.randint(80, 900) if kind.key == "renovation" else None,
        buildings=rng.randint(3, 30) if kind.key == "renovation" else None,
        raising=rng.choice(["build", "convert", "transform"])
        if kind.key == "rental"
        else "",
        setting=("rural" if n % 2 else "urban") if kind.key == "future" else "",
        award_level=rng.choice(["county", "city", "province"])
        if kind.key == "quality"
        else "",
        planned_investment=planned_money,
        spent_investment=spent,
        funding_source=rng.choice(FUNDS),
    )  # fmt: skip
    data.stages = stages
    project_save(
        user=user,
        data=data,
        confirmed=True,
        reason="演示数据",
        now=datetime(year, 1, 10, 10, tzinfo=SHANGHAI)
        if date(year, 1, 10) > today
        else datetime(today.year, today.month, today.day, 10, tzinfo=SHANGHAI),
    )
    return 1
