import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from units.deadlines import submitted_late
from units.models import MonthlyReport, Unit
from units.roles import Role, user_role
from yuecheng_housing.periods import add_months


def unit_list() -> QuerySet[Unit]:
    """Return every unit in roster order, groups with their members after them."""
    return Unit.objects.select_related("parent").order_by("position", "id")


def unit_by_name(name: str) -> Unit:
    """Return the unit called `name`, accepting it without the 区 prefix or by alias."""
    name = name.strip()
    candidates = [name] if name.startswith("区") else [name, f"区{name}"]
    unit = Unit.objects.filter(name__in=candidates).first()
    if unit is not None:
        return unit
    for candidate in Unit.objects.exclude(aliases=""):
        aliases = candidate.aliases.replace("，", "、").replace(",", "、").split("、")
        if name in (a.strip() for a in aliases):
            return candidate
    raise ValidationError(f"未知单位“{name}”。", code="unknown_unit")


def reportable_units(user) -> QuerySet[Unit]:
    """Return the units `user` may write for: the one place per-unit access lives.

    Admins write for every unit that reports (groups report through their members);
    reporters for the units they belong to; officials for none.
    """
    if not user.is_authenticated:
        return Unit.objects.none()
    role = user_role(user)
    if role == Role.ADMIN:
        return Unit.objects.exclude(kind=Unit.Kind.GROUP)
    if role == Role.REPORTER:
        return Unit.objects.filter(users=user).exclude(kind=Unit.Kind.GROUP)
    return Unit.objects.none()


def can_report_for(user, unit: Unit) -> bool:
    return reportable_units(user).filter(pk=unit.pk).exists()


@dataclass
class ReviewItem:
    report: MonthlyReport
    late: bool
    lines: list[dict]


def review_queue(*, deadline_day: int) -> list[ReviewItem]:
    """Return submitted months awaiting review, each value beside last month's and
    the year's target (4 queries)."""
    from indicators.models import IndicatorValue, Target

    reports = list(
        MonthlyReport.objects.filter(status=MonthlyReport.Status.SUBMITTED)
        .select_related("unit", "submitted_by")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.select_related("indicator").order_by(
                    "indicator__code"
                ),
            )
        )
        .order_by("submitted_at")
    )
    previous_keys = Q(pk__in=[])
    for r in reports:
        previous_keys |= Q(
            report__unit_id=r.unit_id, report__period=add_months(r.period, -1)
        )
    previous = {
        (v.report.unit_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(previous_keys).select_related("report")
    }
    years = {r.period.year for r in reports}
    targets = {
        (t.indicator_id, t.year): t for t in Target.objects.filter(year__in=years)
    }
    return [
        ReviewItem(
            report=r,
            late=submitted_late(r.submitted_at, r.period, deadline_day),
            lines=[
                {
                    "value": v,
                    "previous": previous.get((r.unit_id, v.indicator_id)),
                    "target": targets.get((v.indicator_id, r.period.year)),
                }
                for v in r.values.all()
            ],
        )
        for r in reports
    ]


@dataclass
class ReportingRecord:
    unit: Unit
    state: str  # on_time / late / pending / returned / missing / not_due
    label: str
    submitted_at: object = None


def units_owing_returns(*, year: int) -> list[Unit]:
    """Return the units that owe a monthly return in `year` (4 queries): those that
    report an indicator and those named, directly or through their group, on a key
    task that carries a checklist item that year."""
    from indicators.models import Indicator
    from tasks.models import ChecklistItem, Responsibility

    responsibilities = list(Responsibility.objects.select_related("unit"))
    indicator_tasks = list(Indicator.objects.values_list("key_task_id", "aggregation"))
    tasks_with_items = set(
        ChecklistItem.objects.filter(entry__work_list__year=year).values_list(
            "entry__key_task_id", flat=True
        )
    )
    members: dict[int, list[Unit]] = {}
    for member in Unit.objects.filter(parent__isnull=False, is_active=True):
        members.setdefault(member.parent_id, []).append(member)
    named: dict[int, list[Unit]] = {}
    for r in sorted(responsibilities, key=lambda r: r.position):
        named.setdefault(r.key_task_id, []).append(r.unit)

    def carriers(task_id: int) -> list[Unit]:
        units = []
        for unit in named.get(task_id, []):
            units += members.get(unit.pk, []) if unit.is_group else [unit]
        return units

    owing: dict[int, Unit] = {}
    for task_id, aggregation in indicator_tasks:
        task_units = named.get(task_id, [])
        shares = [m for u in task_units if u.is_group for m in members.get(u.pk, [])]
        reporters = shares if aggregation == "sum" and shares else task_units[:1]
        owing |= {u.pk: u for u in reporters}
    for task_id in tasks_with_items:
        owing |= {u.pk: u for u in carriers(task_id)}
    return sorted(owing.values(), key=lambda u: (u.parent_id or 0, u.position))


def reporting_status(*, period, deadline_day: int, today=None) -> list[ReportingRecord]:
    """Return, for every unit that owes a return for `period`, how it stands
    against the deadline (5 queries)."""
    from django.utils import timezone

    from units.deadlines import entry_deadline

    today = today or timezone.localdate()
    due = entry_deadline(period, deadline_day)
    expected = {u.pk: u for u in units_owing_returns(year=period.year)}
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(period=period, unit__in=expected)
    }
    records = []
    for unit in sorted(expected.values(), key=lambda u: (u.parent_id or 0, u.position)):
        report = reports.get(unit.pk)
        status = report.status if report else None
        if status in (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED):
            late = submitted_late(report.submitted_at, period, deadline_day)
            state, label = ("late", "迟报") if late else ("on_time", "按时")
        elif status == MonthlyReport.Status.RETURNED:
            state, label = "returned", "退回待改"
        elif today > due:
            state, label = "missing", "未报送"
        else:
            state, label = "not_due", "待报送"
        records.append(
            ReportingRecord(unit, state, label, report.submitted_at if report else None)
        )
    return records


NAMES_SHOWN = 30


def reporting_summary(*, period, deadline_day: int) -> dict:
    """Return how many units reported `period` on time, late or not at all, and the
    names of those late, missing or returned (at most 30 each), for the home page.

    Cached under a fingerprint of the month's returns and of the units (two cheap
    queries), so a submission, review or new unit makes a new key; the full count
    costs time in proportion to the number of units and is not paid on every view.
    """
    from django.core.cache import cache
    from django.db.models import Count, Max
    from django.utils import timezone

    returns = MonthlyReport.objects.filter(period=period).aggregate(
        n=Count("id"), submitted=Max("submitted_at"), reviewed=Max("reviewed_at")
    )
    units = Unit.objects.aggregate(n=Count("id"), last=Max("id"))
    today = timezone.localdate()
    fingerprint = "|".join(
        str(v)
        for v in (period, deadline_day, today, *returns.values(), *units.values())
    )
    key = "reporting:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    summary = cache.get(key)
    if summary is None:
        records = reporting_status(
            period=period, deadline_day=deadline_day, today=today
        )
        summary = {"counts": {}, "names": {}}
        for record in records:
            summary["counts"][record.state] = summary["counts"].get(record.state, 0) + 1
            if record.state in ("late", "missing", "returned"):
                summary["names"].setdefault(record.state, []).append(record.unit.name)
        summary["names"] = {
            state: (names[:NAMES_SHOWN], max(0, len(names) - NAMES_SHOWN))
            for state, names in summary["names"].items()
        }
        cache.set(key, summary, timeout=600)
    return summary
