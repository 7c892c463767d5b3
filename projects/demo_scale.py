"""The ledgers of `demo_data --scale N`'s towns: about 100 projects per town.

reporting.demo_scale adds N × 30 towns (演示镇街NNNNN); this gives each of them
projects of the six kinds in every plan year, 2023–2027 (PER_TOWN_YEAR, 20 a
year), with each stage planned through its year and reached up to `today` in
order, a few behind their plan (滞后) and so short of the counting stage, and
investment planned and partly spent. At 100× that is about 300 000 projects and
a million stage rows, so they are written in bulk, as the scale's values are:
this is test data, not a ledger anyone entered, and it keeps no history and
skips projects.services' checks (the dates are made to pass them: stages in
their order, none reached after `today`). `stage` and `counted_on` are derived
by the service's own rules.

No ledger is switched on to drive its indicator, as in the 1× demo
(projects.demo): switching is an admin's decision per indicator and year
(LedgerYear), for the scale's towns and the district's alike.

To add the ledgers to a 100× database built before they existed:

    python manage.py shell -c "from projects.demo_scale import \\
        scale_projects_write; print(scale_projects_write())"
"""

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from hazards.services import address_key
from projects.demo import FUNDS, NAMES, PLACES
from projects.kinds import KINDS, Kind
from projects.models import Project, ProjectStage
from projects.services import StageDates, counted_on, current_stage
from units.models import Unit
from yuecheng_housing.lib.bulk_rows import rows_insert
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Projects a town enters each year, by kind: 20 a year, 100 over the plan.
PER_TOWN_YEAR = {
    "rental": 2, "renovation": 6, "future": 1, "elevator": 8, "quality": 2,
    "village": 1,
}  # fmt: skip
# Towns written per transaction: about 10 000 projects.
TOWNS_PER_BATCH = 100
LATE_SHARE = 0.15


def scale_projects_write(
    *, user: AbstractBaseUser | None = None, today: date | None = None
) -> int:
    """Give every scale town (演示镇街…) without projects its ledgers; return
    how many projects were written. Towns that have projects are left alone, so
    running it again writes nothing."""
    user = user or get_user_model().objects.get(username="demo-data")
    today = today or timezone.localdate()
    towns = list(
        Unit.objects.filter(name__startswith="演示镇街", kind=Unit.Kind.TOWN)
        .exclude(projects__isnull=False)
        .order_by("pk")
    )
    written = 0
    for start in range(0, len(towns), TOWNS_PER_BATCH):
        with transaction.atomic():
            written += _towns_write(
                towns[start : start + TOWNS_PER_BATCH], user=user, today=today
            )
    return written


def _towns_write(towns: list[Unit], *, user: AbstractBaseUser, today: date) -> int:
    rng = random.Random(towns[0].pk)
    moment = datetime.combine(today, time(10), tzinfo=SHANGHAI)
    planned: list[tuple[Project, dict[str, StageDates]]] = list(
        _projects(towns, rng=rng, today=today, user=user, moment=moment)
    )
    rows_insert(Project, [p for p, _ in planned])
    rows_insert(
        ProjectStage,
        [
            ProjectStage(
                project_id=project.pk,
                stage=key,
                planned_on=dates.planned_on,
                reached_on=dates.reached_on,
            )
            for project, stages in planned
            for key, dates in stages.items()
        ],
    )
    return len(planned)


def _projects(
    towns: list[Unit], *, rng: random.Random, today: date, user, moment: datetime
) -> Iterator[tuple[Project, dict[str, StageDates]]]:
    for town in towns:
        for year in range(PLAN_FIRST_YEAR, PLAN_LAST_YEAR + 1):
            for key, per_year in PER_TOWN_YEAR.items():
                kind = KINDS[key]
                for n in range(per_year):
                    place = PLACES[(town.pk + n * 3 + year) % len(PLACES)]
                    name = f"{town.name}{NAMES[key].format(p=place, n=n + 1)}"
                    if key in ("future", "village"):
                        name = f"{name}{n + 1}"
                    stages = stage_dates(kind, year=year, rng=rng, today=today)
                    yield (
                        _project(kind, name, town, year, stages, rng, user, moment),
                        stages,
                    )


def stage_dates(
    kind: Kind, *, year: int, rng: random.Random, today: date
) -> dict[str, StageDates]:
    """Every stage planned through the year; reached in order, up to `today`,
    unless the project falls behind (LATE_SHARE of them) at a stage past its
    first, after which none is reached."""
    step = 300 // len(kind.stages)
    first = date(year, 1, 10) + timedelta(days=rng.randint(0, 40))
    stalls_at = (
        rng.randint(1, len(kind.stages) - 1)
        if rng.random() < LATE_SHARE
        else len(kind.stages)
    )
    stages: dict[str, StageDates] = {}
    previous, reaching = date.min, True
    for i, stage in enumerate(kind.stages):
        planned = first + timedelta(days=i * step)
        reached = max(planned + timedelta(days=rng.randint(-10, 20)), previous)
        reaching = reaching and i < stalls_at and reached <= today
        stages[stage.key] = StageDates(
            planned_on=planned, reached_on=reached if reaching else None
        )
        previous = reached
    return stages


def _project(
    kind: Kind,
    name: str,
    town: Unit,
    year: int,
    stages: dict[str, StageDates],
    rng: random.Random,
    user,
    moment: datetime,
) -> Project:
    reached = sum(1 for d in stages.values() if d.reached_on)
    money = Decimal(rng.randint(80, 2000))
    spent = money * reached / len(kind.stages) * Decimal(rng.randint(70, 100)) / 100
    if kind.one_each:
        quantity = 1
    else:
        quantity = rng.randint(120, 600) if kind.key == "rental" else rng.randint(1, 4)
    return Project(
        kind=kind.key,
        name=name,
        name_key=address_key(name),
        town=town,
        year=year,
        quantity=quantity,
        households=rng.randint(80, 900) if kind.key == "renovation" else None,
        buildings=rng.randint(3, 30) if kind.key == "renovation" else None,
        raising=rng.choice(["build", "convert", "transform"])
        if kind.key == "rental"
        else "",
        setting=rng.choice(["urban", "rural"]) if kind.key == "future" else "",
        award_level=rng.choice(["county", "city", "province"])
        if kind.key == "quality"
        else "",
        planned_investment=money,
        spent_investment=spent.quantize(Decimal(1)),
        funding_source=rng.choice(FUNDS),
        stage=current_stage(kind, stages),
        counted_on=counted_on(kind, stages),
        created_at=moment,
        updated_at=moment,
        updated_by=user,
    )
