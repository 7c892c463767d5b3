"""Every read of the ledgers that joins or aggregates, in a fixed number of
queries however many projects are stored."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from indicators.models import Indicator, TargetSplit
from projects.access import visible_projects
from projects.counts import ledger_counts
from projects.kinds import BY_CODE, Kind
from projects.models import Project, ProjectStage
from units.models import ROSTER_ORDER, Unit
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, month_end


def late_stages(today: date) -> QuerySet[ProjectStage]:
    """Stages whose planned day has passed and that are not reached: behind."""
    return ProjectStage.objects.filter(planned_on__lt=today, reached_on__isnull=True)


def project_rows(
    *,
    user: AbstractBaseUser,
    kind: Kind,
    today: date,
    town: Unit | None = None,
    year: int | None = None,
    stage: str = "",
    late: bool = False,
) -> QuerySet[Project]:
    """The projects of a ledger that `user` may read, filtered, with their
    stages (2 queries for any page of them)."""
    rows = (
        visible_projects(user)
        .filter(kind=kind.key)
        .select_related("town")
        .prefetch_related(
            Prefetch("stages", queryset=ProjectStage.objects.order_by("pk"))
        )
        .annotate(
            late=Exists(late_stages(today).filter(project=OuterRef("pk"))),
        )
        .order_by("town__position", "-year", "name", "pk")
    )
    if town is not None:
        rows = rows.filter(town=town)
    if year is not None:
        rows = rows.filter(year=year)
    if stage == "none":
        rows = rows.filter(stage="")
    elif stage:
        rows = rows.filter(stage=stage)
    if late:
        rows = rows.filter(late=True)
    return rows


def project_for(
    *, user: AbstractBaseUser, kind: str, project_id: int
) -> Project | None:
    """A project `user` may read, with its unit and stages; None otherwise."""
    return (
        visible_projects(user)
        .filter(kind=kind, pk=project_id)
        .select_related("town", "updated_by")
        .prefetch_related("stages")
        .first()
    )


@dataclass
class TownCount:
    unit: Unit
    figure: Decimal  # the ledger's figure, in the indicator's unit
    share: Decimal | None  # the unit's split of the year's target
    projects: int  # the projects of the year entered
    late: int

    @property
    def met(self) -> bool | None:
        return None if self.share is None else self.figure >= self.share


@dataclass
class LedgerByTown:
    indicator: Indicator
    kind: Kind
    year: int
    as_of: date  # the last month end counted
    drives: bool
    towns: list[TownCount]
    district: Decimal


def ledger_by_town(*, indicator: Indicator, year: int, today: date) -> LedgerByTown:
    """The ledger's count of `indicator` by unit as of the last month end, against
    each unit's share of the year's target (5 queries)."""
    kind = BY_CODE[indicator.code]
    month = today.replace(day=1)
    period = date(year, 12, 1) if year < today.year else month
    if month_end(period) > today:  # the month has not ended: the one before
        period = date(period.year - (period.month == 1), period.month - 1 or 12, 1)
    counts = ledger_counts(year=year, codes=(indicator.code,))
    shares = {
        (s.unit_id, s.year): s
        for s in TargetSplit.objects.filter(
            indicator=indicator, year__in=(PLAN_FIRST_YEAR, year)
        )
    }
    entered: dict[int, tuple[int, int]] = {}
    rows = (
        Project.objects.filter(kind=kind.key, year=year)
        .annotate(late=Exists(late_stages(today).filter(project=OuterRef("pk"))))
        .values_list("town_id", "late")
    )
    for unit_id, late in rows:
        n, m = entered.get(unit_id, (0, 0))
        entered[unit_id] = (n + 1, m + late)
    unit_ids = {u for (_, u) in counts.monthly} | set(entered) | {u for u, _ in shares}
    towns = []
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by(*ROSTER_ORDER):
        # A unit's stock before the plan is the start of its 2023 share.
        first = shares.get((unit.pk, PLAN_FIRST_YEAR))
        share = shares.get((unit.pk, year))
        n, m = entered.get(unit.pk, (0, 0))
        towns.append(
            TownCount(
                unit=unit,
                figure=counts.figure(
                    indicator, period, unit_id=unit.pk, base=first and first.start
                ),
                share=share.value if share else None,
                projects=n,
                late=m,
            )
        )
    return LedgerByTown(
        indicator=indicator,
        kind=kind,
        year=year,
        as_of=month_end(period),
        drives=counts.drives(indicator.code, year),
        towns=towns,
        district=counts.figure(indicator, period),
    )
