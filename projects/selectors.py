"""Every read of the ledgers that joins or aggregates, in a fixed number of
queries however many projects are stored."""

import operator
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, reduce

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from indicators.models import Indicator, TargetSplit
from projects.access import visible_projects
from projects.counts import LedgerCounts, ledger_counts
from projects.kinds import BY_CODE, KINDS, Kind
from projects.models import Project, ProjectStage
from units.models import ROSTER_ORDER, Unit
from yuecheng_housing.lib.numbers import round_figure
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, month_end


def late_stages(today: date) -> QuerySet[ProjectStage]:
    """Stages whose planned day has passed and that were not reached by `today`:
    behind (滞后), the one rule every page, board, notice and screen reads. A day
    before today (a notice's month end) counts a stage reached since as behind
    then; for today itself no stage is reached later."""
    return ProjectStage.objects.filter(planned_on__lt=today).filter(
        Q(reached_on__isnull=True) | Q(reached_on__gt=today)
    )


# A stage planned within this many days is "due" on a unit's board.
DUE_WITHIN = 30


def due_stages(today: date) -> QuerySet[ProjectStage]:
    """Stages planned from today to DUE_WITHIN days ahead and not yet reached."""
    return ProjectStage.objects.filter(
        planned_on__gte=today,
        planned_on__lte=today + timedelta(days=DUE_WITHIN),
        reached_on__isnull=True,
    )


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
    # The page of `towns` shown (projects.views.town_counts_paged): at a
    # province's size the towns run to thousands.
    page: Page | None = None
    page_query: str = ""
    # The towns left out of `towns` when only the first were asked for
    # (ledgers_by_town's `first`: the 驾驶舱's panels); the totals below are
    # then those of the towns kept.
    more: int = 0

    @property
    def shown(self) -> "Page | list[TownCount]":
        return self.towns if self.page is None else self.page

    @property
    def met(self) -> int:
        return sum(1 for t in self.towns if t.met)

    @property
    def with_share(self) -> int:
        return sum(1 for t in self.towns if t.share is not None)

    @property
    def projects(self) -> int:
        return sum(t.projects for t in self.towns)

    @property
    def late(self) -> int:
        return sum(t.late for t in self.towns)


def ledger_by_town(
    *,
    indicator: Indicator,
    year: int,
    today: date,
    counts: LedgerCounts | None = None,
) -> LedgerByTown:
    """The ledger's count of `indicator` by unit as of the last month end, against
    each unit's share of the year's target (5 queries; 3 given `counts`, read
    with its code up to `year` or later, as the indicator page reads them once
    for its chart too)."""
    (one,) = ledgers_by_town(
        indicators=[indicator], year=year, today=today, counts=counts
    )
    return one


def ledgers_by_town(
    *,
    indicators: list[Indicator],
    year: int,
    today: date,
    counts: LedgerCounts | None = None,
    first: int | None = None,
) -> list[LedgerByTown]:
    """ledger_by_town for several indicators at once, in the same 5 queries
    (4 when `indicators` is empty): the 驾驶舱 shows every ledger that drives.
    With `first`, each keeps its first towns in roster order only, and the
    database looks for late projects in those towns alone (a query more: at a
    province's size, not asking of every project saves a tenth of a second)."""
    if not indicators:
        return []
    month = today.replace(day=1)
    period = date(year, 12, 1) if year < today.year else month
    if month_end(period) > today:  # the month has not ended: the one before
        period = date(period.year - (period.month == 1), period.month - 1 or 12, 1)
    codes = tuple(i.code for i in indicators)
    if counts is None:
        counts = ledger_counts(year=year, codes=codes)
    shares = {
        (s.indicator_id, s.unit_id, s.year): s
        for s in TargetSplit.objects.filter(
            indicator__in=indicators, year__in=(PLAN_FIRST_YEAR, year)
        )
    }
    projects = Project.objects.filter(
        kind__in=[BY_CODE[c].key for c in codes], year=year
    )
    behind = Exists(late_stages(today).filter(project=OuterRef("pk")))
    # Counted by the database: a row per unit, not per project.
    entered: dict[tuple[str, int], tuple[int, int]] = {
        (kind, unit_id): (n, late)
        for kind, unit_id, n, late in projects.values_list("kind", "town_id")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=behind) if first is None else Value(0),
        )
        .order_by()
    }
    unit_ids = (
        {u for (_, u) in counts.monthly}
        | {u for _, u in entered}
        | {u for _, u, _ in shares}
    )
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by(*ROSTER_ORDER))
    kept = {}
    for indicator in indicators:
        kind = BY_CODE[indicator.code]
        mine = (
            {u for c, u in counts.monthly if c == indicator.code}
            | {u for k, u in entered if k == kind.key}
            | {u for i, u, _ in shares if i == indicator.pk}
        )
        kept[indicator.pk] = [unit for unit in units if unit.pk in mine]
    late: dict[tuple[str, int], int] = {}
    if first is not None:
        shown = {u.pk for towns in kept.values() for u in towns[:first]}
        late = dict(
            ((kind, unit_id), n)
            for kind, unit_id, n in projects.filter(behind, town_id__in=shown)
            .values_list("kind", "town_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    found = []
    for indicator in indicators:
        kind = BY_CODE[indicator.code]
        towns = []
        for unit in kept[indicator.pk][:first]:
            # A unit's stock before the plan is the start of its 2023 share.
            start = shares.get((indicator.pk, unit.pk, PLAN_FIRST_YEAR))
            share = shares.get((indicator.pk, unit.pk, year))
            n, m = entered.get((kind.key, unit.pk), (0, 0))
            towns.append(
                TownCount(
                    unit=unit,
                    figure=counts.figure(
                        indicator, period, unit_id=unit.pk, base=start and start.start
                    ),
                    share=share.value if share else None,
                    projects=n,
                    late=late.get((kind.key, unit.pk), m),
                )
            )
        found.append(
            LedgerByTown(
                indicator=indicator,
                kind=kind,
                year=year,
                as_of=month_end(period),
                drives=counts.drives(indicator.code, year),
                towns=towns,
                district=counts.figure(indicator, period),
                more=len(kept[indicator.pk]) - len(towns),
            )
        )
    return found


def driven_by_town(
    *, year: int, today: date, first: int | None = None
) -> list[LedgerByTown]:
    """The count by town of every indicator its ledger drives in `year` (6
    queries, 7 with `first`, 1 when none drives)."""
    driven = Indicator.objects.filter(
        code__in=BY_CODE, ledger_years__year=year, ledger_years__drives=True
    ).order_by("code")
    return ledgers_by_town(indicators=list(driven), year=year, today=today, first=first)


@dataclass
class StageRow:
    """A stage of a project on a board or in a notice: behind (late) or due."""

    project: Project
    stage: str
    planned_on: date
    late: bool
    days: int  # behind by, or due in, as of the day asked about

    @property
    def kind(self) -> Kind:
        return self.project.kind_spec

    @property
    def stage_label(self) -> str:
        return self.kind.stage_label(self.stage)


def _stage_rows(
    stages: QuerySet[ProjectStage], *, late: bool, today: date
) -> list[StageRow]:
    return [
        StageRow(
            project=s.project,
            stage=s.stage,
            planned_on=s.planned_on,
            late=late,
            days=abs((today - s.planned_on).days),
        )
        for s in stages.select_related("project", "project__town").order_by(
            "planned_on", "project__kind", "project__name", "pk"
        )
    ]


def board_stages(*, user: AbstractBaseUser, unit: Unit, today: date) -> list[StageRow]:
    """A unit's projects with a stage behind (滞后) or due within DUE_WITHIN days,
    as far as `user` may see them: behind first, oldest first (2 queries)."""
    mine = visible_projects(user).filter(town=unit)
    late = late_stages(today).filter(project__in=mine)
    due = due_stages(today).filter(project__in=mine)
    return _stage_rows(late, late=True, today=today) + _stage_rows(
        due, late=False, today=today
    )


# The notice names this many projects behind, and the units with the most; the
# rest are counted in a line (at a province's size tens of thousands are behind),
# and its Excel lists them all (behind_schedule_rows).
NAMED_BEHIND = 100
TOWNS_NAMED = 10
KIND_ORDER = Case(
    *(When(kind=key, then=Value(i)) for i, key in enumerate(KINDS)),
    output_field=IntegerField(),
)


@dataclass
class BehindSchedule:
    """The projects with a stage behind as of a day (the notice's 九、)."""

    as_of: date
    total: int
    by_kind: list[tuple[Kind, int]]
    towns: int  # units with a project behind
    # The units with the most projects behind, most first (at most TOWNS_NAMED).
    most: list[tuple[Unit, int]]
    # The first NAMED_BEHIND projects, by kind, unit and name, each with its
    # earliest stage behind.
    named: list[StageRow]

    @property
    def unnamed(self) -> int:
        return self.total - len(self.named)

    @property
    def summary(self) -> str:
        """The section's sentence, the same on the page and in the issued notice."""
        if not self.total:
            return "无。"
        kinds = "、".join(f"{kind.label}{n}个" for kind, n in self.by_kind)
        most = "、".join(f"{unit.name}（{n}个）" for unit, n in self.most)
        which = "最多的是" if self.towns > len(self.most) else "即"
        return (
            f"共{self.total}个项目有阶段滞后：{kinds}；"
            f"涉及{self.towns}个镇街/平台，{which}{most}。"
        )


def _behind_projects(as_of: date) -> QuerySet[Project]:
    return Project.objects.filter(
        Exists(late_stages(as_of).filter(project=OuterRef("pk")))
    )


def _earliest(rows: list[StageRow]) -> dict[int, StageRow]:
    """Each project's earliest stage behind (rows come oldest first)."""
    first: dict[int, StageRow] = {}
    for row in rows:
        first.setdefault(row.project.pk, row)
    return first


def behind_schedule(*, as_of: date) -> BehindSchedule:
    """The projects with a stage behind as of `as_of`, for the notice: counted by
    kind and unit, the first NAMED_BEHIND named with their earliest stage behind
    (4 queries however many are behind)."""
    counts = (
        _behind_projects(as_of)
        .values_list("town_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_town: dict[int, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    counts = list(counts)
    for town, kind, n in counts:
        by_town[town] += n
        by_kind[kind] += n
    units = {
        u.pk: u for u in Unit.objects.filter(pk__in=by_town).only("name", "position")
    }
    most = sorted(
        ((u, by_town[u.pk]) for u in units.values()),
        key=lambda p: (-p[1], p[0].position, p[0].name, p[0].pk),
    )[:TOWNS_NAMED]
    # The first NAMED_BEHIND are in the first (kind, unit) pairs in the notice's
    # order: read only those pairs' projects, not sort every project behind.
    kinds = list(KINDS)
    pairs, enough = [], 0
    for town, kind, n in sorted(
        counts,
        key=lambda c: (kinds.index(c[1]), units[c[0]].position, units[c[0]].name),
    ):
        if enough >= NAMED_BEHIND:
            break
        pairs.append(Q(kind=kind, town_id=town))
        enough += n
    named = list(
        _behind_projects(as_of)
        .filter(reduce(operator.or_, pairs, Q(pk__in=[])))
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "town__position", "town__name", "name", "pk")
        .values_list("pk", flat=True)[:NAMED_BEHIND]
    )
    stages = late_stages(as_of).filter(project__in=named)
    first = _earliest(_stage_rows(stages, late=True, today=as_of))
    return BehindSchedule(
        as_of=as_of,
        total=sum(by_kind.values()),
        by_kind=[(kind, by_kind[key]) for key, kind in KINDS.items() if by_kind[key]],
        towns=len(by_town),
        most=most,
        named=[first[pk] for pk in named],
    )


def behind_schedule_rows(*, as_of: date) -> list[tuple]:
    """Every project behind as of `as_of` with its earliest stage behind, in the
    notice's order, as its Excel lists them: kind, unit, name, stage, planned
    day, days behind (1 query; plain values, for tens of thousands)."""
    rows = (
        late_stages(as_of)
        .values_list(
            "project_id",
            "project__kind",
            "project__town__position",
            "project__town__name",
            "project__name",
            "stage",
            "planned_on",
        )  # fmt: skip
        .order_by("planned_on", "pk")
    )
    first: dict[int, tuple] = {}
    for project_id, kind, position, town, name, stage, planned_on in rows.iterator(
        chunk_size=5000
    ):
        if project_id not in first:
            spec = KINDS[kind]
            first[project_id] = (
                (list(KINDS).index(kind), position, town, name),
                (spec.label, town, name, spec.stage_label(stage), planned_on,
                 (as_of - planned_on).days),
            )  # fmt: skip
    return [line for _, line in sorted(first.values(), key=lambda r: r[0])]


Money = tuple[Decimal, Decimal]  # planned, spent (万元)


def _total(sums) -> Money:
    sums = list(sums)
    return (
        sum((p for p, _ in sums), Decimal(0)),
        sum((s for _, s in sums), Decimal(0)),
    )


@dataclass
class Investment:
    unit: Unit
    by_kind: dict[str, Money]  # kind key → planned and spent

    @property
    def cells(self) -> list[Money | None]:
        return [self.by_kind.get(k) for k in KINDS]

    @property
    def total(self) -> Money:
        return _total(self.by_kind.values())

    @property
    def spent_share(self) -> Decimal | None:
        return _share(self.total)


@dataclass
class InvestmentTable:
    rows: list[Investment]
    # The page of `rows` shown (projects.views): the totals are of every row.
    page: Page | None = None

    @cached_property
    def by_kind(self) -> list[Money]:
        return [
            _total(r.by_kind[k] for r in self.rows if k in r.by_kind) for k in KINDS
        ]

    @cached_property
    def total(self) -> Money:
        return _total(self.by_kind)

    @property
    def spent_share(self) -> Decimal | None:
        return _share(self.total)


def _share(money: Money) -> Decimal | None:
    """Spent as a percentage of planned, as people round (52.5 → 53)."""
    planned, spent = money
    return round_figure(spent * 100 / planned, 0) if planned else None


def investment_by_town(
    *, user: AbstractBaseUser, year: int | None = None
) -> InvestmentTable:
    """Planned and spent investment (万元) by unit and kind, of the projects
    `user` may see, of one year's plan or all (2 queries)."""
    rows = visible_projects(user)
    if year is not None:
        rows = rows.filter(year=year)
    sums: dict[int, dict[str, Money]] = defaultdict(dict)
    for unit_id, kind, planned, spent in (
        rows.values_list("town_id", "kind")
        .annotate(p=Sum("planned_investment"), s=Sum("spent_investment"))
        .order_by()
    ):
        sums[unit_id][kind] = (planned or Decimal(0), spent or Decimal(0))
    units = Unit.objects.filter(pk__in=sums).order_by(*ROSTER_ORDER)
    return InvestmentTable([Investment(unit=u, by_kind=sums[u.pk]) for u in units])
