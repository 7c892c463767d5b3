"""Every write to the ledgers: the pages, the API, the Excel import, demo data.

Each write is one transaction that checks who may write (the unit is looked up
among the user's own, never taken from the client on trust), validates in
Chinese, refuses a stale version, and leaves its django-simple-history record
with who, when and why. Nothing is half-written: every check runs before the
first save.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from hazards.services import address_key
from indicators.models import Indicator
from projects.access import writable_projects, writable_units
from projects.kinds import KINDS, Kind
from projects.models import LedgerYear, Project, ProjectStage
from units.models import Unit
from units.roles import is_admin
from yuecheng_housing.lib.errors import NeedsConfirmation, check_version
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR
from yuecheng_housing.lib.text import normal_newlines

# The kind-specific fields, all optional on the model, required by their kind.
KIND_FIELDS = ("households", "buildings", "raising", "setting", "award_level")
# No project's stage reaches back before this: an earlier year is a typing slip.
EARLIEST = date(2015, 1, 1)


@dataclass
class StageDates:
    planned_on: date | None = None
    reached_on: date | None = None


@dataclass
class ProjectData:
    """What a person enters for a project: the same fields from every path."""

    kind: str
    name: str
    town: Unit
    year: int
    quantity: int | Decimal = 1
    households: int | Decimal | None = None
    buildings: int | Decimal | None = None
    raising: str = ""
    setting: str = ""
    award_level: str = ""
    planned_investment: Decimal | None = None
    spent_investment: Decimal | None = None
    funding_source: str = ""
    note: str = ""
    # Stage key → its dates; stages not named are not planned nor reached.
    stages: dict[str, StageDates] = field(default_factory=dict)


SAVED_FIELDS = (
    "kind", "name", "year", "quantity", *KIND_FIELDS, "planned_investment",
    "spent_investment", "funding_source", "note",
)  # fmt: skip


def _whole(value, label: str, refuse, name: str, *, least: int) -> int | None:
    """A count as an int: 台数 −1 or 户数 12.5 cannot be."""
    if value is None:
        return None
    if isinstance(value, bool) or Decimal(value) != int(value):
        refuse(name, f"{label}须为整数，不能有小数。", "not_whole")
        return None
    if int(value) < least:
        refuse(name, f"{label}不能小于{least}。", "too_small")
        return None
    return int(value)


def stages_check(
    kind: Kind, stages: dict[str, StageDates], refuse, today: date
) -> None:
    """Stages are reached in their order, each on or after the one before."""
    unknown = set(stages) - set(kind.stage_keys)
    if unknown:
        refuse("stages", f"{kind.label}没有这些阶段：{'、'.join(sorted(unknown))}。",
               "unknown_stage")  # fmt: skip
        return
    previous: tuple[str, date] | None = None
    gap = ""
    for stage in kind.stages:
        dates = stages.get(stage.key) or StageDates()
        for label, day in (("计划", dates.planned_on), ("完成", dates.reached_on)):
            if day is not None and day < EARLIEST:
                refuse("stages", f"{stage.label}{label}日期{day:%Y-%m-%d}过早，"
                       "请检查年份。", "too_early")  # fmt: skip
        day = dates.reached_on
        if day is None:
            gap = gap or stage.label
            continue
        if day > today:
            refuse("stages", f"{stage.label}完成日期{day:%Y-%m-%d}晚于今天，"
                   "不能预填（请填在计划日期）。", "future_date")  # fmt: skip
        if gap:
            refuse("stages", f"“{gap}”阶段尚未完成，不能填写“{stage.label}”"
                   "的完成日期。", "stage_skipped")  # fmt: skip
        if previous is not None and day < previous[1]:
            refuse("stages", f"{stage.label}日期{day:%Y-%m-%d}早于上一阶段"
                   f"“{previous[0]}”的{previous[1]:%Y-%m-%d}。",
                   "stage_before_previous")  # fmt: skip
        previous = (stage.label, day)


def project_data_check(*, data: ProjectData, today: date) -> None:
    """Raise ValidationError with every problem of `data`, per field, in Chinese."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    kind = KINDS.get(data.kind)
    if kind is None:
        raise ValidationError({"kind": "没有这个台账。"}, code="invalid_choice")
    if not data.name.strip():
        refuse("name", f"请填写{kind.name_label}。", "required")
    elif len(data.name) > 200:
        refuse("name", f"{kind.name_label}最多200字。", "too_long")
    if len(data.note) > 2000:
        refuse("note", "备注最多2000字。", "too_long")
    if len(data.funding_source) > 100:
        refuse("funding_source", "资金来源最多100字。", "too_long")
    if not PLAN_FIRST_YEAR <= (data.year or 0) <= PLAN_LAST_YEAR:
        refuse("year", "年度须在2023—2027年之间。", "year_out_of_plan")
    quantity = _whole(data.quantity, kind.quantity_label, refuse, "quantity", least=1)
    if kind.one_each and quantity not in (None, 1):
        refuse(
            "quantity", f"每个{kind.name_label}计1{kind.quantity_unit}。", "one_each"
        )
    data.quantity = quantity if quantity is not None else data.quantity
    data.households = _whole(data.households, "户数", refuse, "households", least=0)
    data.buildings = _whole(data.buildings, "楼栋数", refuse, "buildings", least=0)
    choices = {
        "raising": Project.Raising,
        "setting": Project.Setting,
        "award_level": Project.AwardLevel,
    }
    for name, options in choices.items():
        value = getattr(data, name)
        label = Project._meta.get_field(name).verbose_name
        if value and value not in options.values:
            refuse(
                name, f"{label}只能是{'、'.join(options.labels)}。", "invalid_choice"
            )
        elif not value and name in kind.fields:
            refuse(name, f"请选择{label}。", "required")
    for name in KIND_FIELDS:
        if name not in kind.fields and getattr(data, name) not in (None, ""):
            label = Project._meta.get_field(name).verbose_name
            refuse(name, f"{kind.label}不填写{label}。", "not_of_kind")
    for name in ("planned_investment", "spent_investment"):
        value = getattr(data, name)
        if value is not None and value < 0:
            label = Project._meta.get_field(name).verbose_name
            refuse(name, f"{label}不能为负数。", "negative")
    stages_check(kind, data.stages, refuse, today)
    if errors:
        raise ValidationError(errors)


def project_warnings(data: ProjectData) -> list[str]:
    """What the user must confirm before the project is saved."""
    planned, spent = data.planned_investment, data.spent_investment
    if spent is not None and (planned is None or spent > planned):
        return [
            f"已完成投资{spent}万元超过计划投资"
            f"{'（未填）' if planned is None else f'{planned}万元'}"
        ]
    return []


def _counted_on(kind: Kind, stages: dict[str, StageDates]) -> date | None:
    dates = stages.get(kind.counts_at)
    return dates.reached_on if dates else None


def _current_stage(kind: Kind, stages: dict[str, StageDates]) -> str:
    reached = [s.key for s in kind.stages if (d := stages.get(s.key)) and d.reached_on]
    return reached[-1] if reached else ""


def stored_stages(project: Project) -> dict[str, StageDates]:
    return {
        s.stage: StageDates(s.planned_on, s.reached_on) for s in project.stages.all()
    }


@transaction.atomic
def project_save(
    *,
    user: AbstractBaseUser,
    data: ProjectData,
    project_id: int | None = None,
    expected_version: int | None = None,
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Project:
    """Create a project (no `project_id`) or change one: the one path for every
    write of a ledger. Refuses another unit's project or unit, a duplicate name
    of the kind in the year, and asks to confirm spending above the plan."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    town = (
        writable_units(user)
        .select_for_update(of=("self",))
        .filter(pk=data.town.pk)
        .order_by("pk")
        .first()
    )
    if town is None:
        raise PermissionDenied(f"您无权登记或修改“{data.town}”的项目。")
    if project_id is None:
        project = Project(kind=data.kind, created_at=now)
    else:
        project = (
            writable_projects(user)
            .select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(pk=project_id)
            .first()
        )
        if project is None:
            raise PermissionDenied("您无权修改这个项目（不属于您的单位或不存在）。")
        check_version(project, expected_version)
        if project.kind != data.kind:
            raise ValidationError({"kind": "项目的台账类别不能更改。"}, code="kind")
    data.name = data.name.strip()
    data.note = normal_newlines(data.note)
    project_data_check(data=data, today=today)
    key = address_key(data.name)
    same = (
        Project.objects.filter(kind=data.kind, year=data.year, name_key=key)
        .exclude(pk=project.pk)
        .select_related("town")
        .first()
    )
    if same is not None:
        message = (
            f"{data.year}年已登记同名{KINDS[data.kind].name_label}："
            f"“{same.name}”（{same.town}，编号{same.pk}）。"
        )
        raise ValidationError({"name": ValidationError(message, code="duplicate")})
    if not confirmed and (warnings := project_warnings(data)):
        raise NeedsConfirmation(warnings)
    kind = KINDS[data.kind]
    for name in SAVED_FIELDS:
        setattr(project, name, getattr(data, name))
    project.town = town
    project.name_key = key
    project.stage = _current_stage(kind, data.stages)
    project.counted_on = _counted_on(kind, data.stages)
    project.updated_by = user
    project.updated_at = now
    if project.pk is not None:
        project.version += 1
    project.full_clean(exclude=["town", "updated_by"], validate_unique=False)
    project._change_reason = reason
    project._history_user = user
    project._history_date = now
    project.save()
    _stages_write(project, data.stages, user=user, reason=reason, now=now)
    return project


def _stages_write(
    project: Project,
    stages: dict[str, StageDates],
    *,
    user: AbstractBaseUser,
    reason: str,
    now: datetime,
) -> None:
    stored = {s.stage: s for s in project.stages.all()}
    for key, dates in stages.items():
        row = stored.pop(key, None)
        if dates.planned_on is None and dates.reached_on is None:
            if row is not None:
                stored[key] = row  # deleted below
            continue
        if row is None:
            row = ProjectStage(project=project, stage=key)
        elif (row.planned_on, row.reached_on) == (dates.planned_on, dates.reached_on):
            continue
        row.planned_on, row.reached_on = dates.planned_on, dates.reached_on
        row._change_reason, row._history_user, row._history_date = reason, user, now
        row.save()
    for row in stored.values():
        row._change_reason, row._history_user, row._history_date = reason, user, now
        row.delete()


@transaction.atomic
def project_stage_advance(
    *,
    user: AbstractBaseUser,
    project_id: int,
    stage: str,
    reached_on: date,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Project:
    """Record that a project reached `stage` on `reached_on` (the same checks as
    any change: order, dates, access)."""
    project = (
        writable_projects(user)
        .select_related("town")
        .prefetch_related("stages")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise PermissionDenied("您无权修改这个项目（不属于您的单位或不存在）。")
    stages = stored_stages(project)
    planned = stages.get(stage, StageDates()).planned_on
    stages[stage] = StageDates(planned, reached_on)
    data = project_as_data(project, stages=stages)
    label = project.kind_spec.stage_label(stage) or stage
    return project_save(
        user=user,
        data=data,
        project_id=project.pk,
        expected_version=expected_version,
        # Spending was confirmed when it was entered; a stage does not change it.
        confirmed=True,
        reason=f"{label}完成",
        now=now,
    )


def project_as_data(
    project: Project, *, stages: dict[str, StageDates] | None = None
) -> ProjectData:
    """The stored project as the data a change starts from."""
    return ProjectData(
        town=project.town,
        stages=stored_stages(project) if stages is None else stages,
        **{name: getattr(project, name) for name in SAVED_FIELDS},
    )


@transaction.atomic
def ledger_year_set(
    *,
    user: AbstractBaseUser,
    indicator: Indicator,
    year: int,
    drives: bool,
    now: datetime | None = None,
) -> LedgerYear:
    """Switch a ledger to drive (or no longer drive) its indicator in `year`."""
    if not is_admin(user):
        raise PermissionDenied("只有管理员可以设定指标按台账计数。")
    if not PLAN_FIRST_YEAR <= year <= PLAN_LAST_YEAR:
        raise ValidationError({"year": "年度须在2023—2027年之间。"}, code="year")
    if indicator.code not in {k.code for k in KINDS.values()}:
        raise ValidationError(
            {"indicator": f"指标“{indicator.name}”没有项目台账。"}, code="no_ledger"
        )
    now = now or timezone.now()
    row = (
        LedgerYear.objects.select_for_update()
        .filter(indicator=indicator, year=year)
        .first()
    ) or LedgerYear(indicator=indicator, year=year)
    row.drives = drives
    row.updated_at = now
    row.full_clean(validate_unique=False)
    row._history_user, row._history_date = user, now
    row._change_reason = "按台账计数" if drives else "恢复按填报数"
    row.save()
    return row
