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
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hazards.services import address_key
from indicators.models import Indicator
from projects.access import writable_projects, writable_units
from projects.kinds import KINDS, Kind
from projects.models import LedgerYear, Project, ProjectFile, ProjectStage
from units.models import Unit
from units.roles import is_admin
from yuecheng_housing.lib.bulk_rows import history_copy, rows_insert
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation, check_version
from yuecheng_housing.lib.evidence import evidence_content_type, evidence_save
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


def counted_on(kind: Kind, stages: dict[str, StageDates]) -> date | None:
    """The day a project enters its indicator: its counting stage reached."""
    dates = stages.get(kind.counts_at)
    return dates.reached_on if dates else None


def current_stage(kind: Kind, stages: dict[str, StageDates]) -> str:
    reached = [s.key for s in kind.stages if (d := stages.get(s.key)) and d.reached_on]
    return reached[-1] if reached else ""


def stored_stages(project: Project) -> dict[str, StageDates]:
    return {
        s.stage: StageDates(s.planned_on, s.reached_on) for s in project.stages.all()
    }


@dataclass
class ProjectLine:
    """One project to write: `project_id` None for a new project."""

    data: ProjectData
    project_id: int | None = None
    expected_version: int | None = None


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
    """Create a project (no `project_id`) or change one; raise its error if any."""
    line = ProjectLine(data, project_id, expected_version)
    (outcome,) = projects_save(
        user=user, lines=[line], confirmed=confirmed, reason=reason, now=now
    )
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def projects_save(
    *,
    user: AbstractBaseUser,
    lines: list[ProjectLine],
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> list[Project | Exception]:
    """Create or change projects: the one path for every write of a ledger.

    The page, the API, the Excel import and demo data all come here. The project
    and its unit are both looked up among those `user` may write for; another
    unit's project is refused whatever id is sent. The same name of a kind in a
    year (stored, or earlier in the same batch) is refused; spending above the
    plan raises NeedsConfirmation until `confirmed`. A batch costs a fixed number
    of queries however long (an import sends a whole ledger), and returns, line by
    line, the stored project or the error that refused it; lines without an error
    are written, and the caller rolls back if it wants all or nothing. A line
    that changes nothing writes nothing (no new version, no history).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = {line.data.town.pk for line in lines}
    # Locking the units' rows serialises writes of a unit, so that two people
    # entering the same 小区 at once cannot both miss the other's. Only the units'
    # own rows, in id order: PostgreSQL will not lock a join's nullable side.
    towns = {
        t.pk: t
        for t in writable_units(user)
        .select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .order_by("pk")
    }
    ids = {line.project_id for line in lines if line.project_id is not None}
    stored = _writable_by_pk(user, ids)
    names = _Names(lines, stored)
    outcomes: list = [None] * len(lines)
    created: list[tuple[Project, dict[str, StageDates]]] = []
    changed: list[tuple[Project, dict[str, StageDates]]] = []
    for i, line in enumerate(lines):
        try:
            project = _project_line(line, towns, stored, names, confirmed, today)
        except (ValidationError, PermissionDenied, Conflict, NeedsConfirmation) as e:
            outcomes[i] = e
            continue
        outcomes[i] = project
        if not project._changed:
            continue
        project.updated_by = user
        project.updated_at = now
        if project.pk is None:
            project.created_at = now
            created.append((project, line.data.stages))
        else:
            project.version += 1
            changed.append((project, line.data.stages))
        # The unit and the user were just read, and the constraints are the ones
        # project_data_check has checked (the database still enforces them):
        # validating them again would cost queries per row.
        project.full_clean(
            exclude=["town", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    _projects_write(created, changed, user=user, reason=reason, now=now)
    return outcomes


def _writable_by_pk(user: AbstractBaseUser, ids: set[int]) -> dict[int, Project]:
    """The projects among `ids` that `user` may change, locked, with their stages."""
    found: dict[int, Project] = {}
    ordered = sorted(ids)
    # A list of thousands of ids stays under SQLite's limit on query parameters.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        projects = (
            writable_projects(user)
            .select_for_update(of=("self",))
            .select_related("updated_by")
            .prefetch_related("stages")
            .filter(pk__in=chunk)
        )
        found.update((p.pk, p) for p in projects)
    return found


class _Names:
    """Which names each kind holds in each year, stored or earlier in the batch,
    kept up to date as the batch is checked: row 900 is compared with row 3 too,
    at the same cost however long the ledger is."""

    def __init__(self, lines: list[ProjectLine], stored: dict[int, Project]) -> None:
        # (kind, year, name key) → (pk or None for a row not yet stored, name, unit)
        self.held: dict[tuple[str, int, str], tuple[int | None, str, str]] = {}
        by_kind: dict[str, set[str]] = {}
        for line in lines:
            by_kind.setdefault(line.data.kind, set()).add(address_key(line.data.name))
        for kind, keys in by_kind.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), 500):
                rows = Project.objects.filter(
                    kind=kind, name_key__in=ordered[start : start + 500]
                ).values_list("pk", "year", "name_key", "name", "town__name")
                for pk, year, key, name, town in rows:
                    self.held[kind, year, key] = (pk, name, town)
        for project in stored.values():
            self.held.setdefault(
                (project.kind, project.year, project.name_key),
                (project.pk, project.name, ""),
            )

    def check(self, project: Project, data: ProjectData, key: str) -> None:
        same = self.held.get((data.kind, data.year, key))
        if same is None or (project.pk is not None and same[0] == project.pk):
            return
        where = (
            f"（{same[2]}，编号{same[0]}）" if same[0] else "（本次导入中前面的一行）"
        )
        message = (
            f"{data.year}年已登记同名{KINDS[data.kind].name_label}："
            f"“{same[1]}”{where}。"
        )
        raise ValidationError({"name": ValidationError(message, code="duplicate")})

    def take(self, project: Project, old: tuple | None, town: str) -> None:
        if old is not None and self.held.get(old, (None,))[0] == project.pk:
            del self.held[old]
        key = (project.kind, project.year, project.name_key)
        self.held[key] = (project.pk, project.name, town)


def _project_line(
    line: ProjectLine,
    towns: dict[int, Unit],
    stored: dict[int, Project],
    names: _Names,
    confirmed: bool,
    today: date,
) -> Project:
    """Check one line and apply it to its project (new or stored); raise if
    refused. Every check runs before anything of the project is changed."""
    data = line.data
    town = towns.get(data.town.pk)
    if town is None:
        raise PermissionDenied(f"您无权登记或修改“{data.town}”的项目。")
    if line.project_id is None:
        project = Project(kind=data.kind)
        if line.expected_version:
            raise Conflict("该项目不存在或已被删除，请刷新后再改。", code="stale")
        before = None
    else:
        project = stored.get(line.project_id)
        if project is None:
            raise PermissionDenied("您无权修改这个项目（不属于您的单位或不存在）。")
        check_version(project, line.expected_version)
        if project.kind != data.kind:
            raise ValidationError({"kind": "项目的台账类别不能更改。"}, code="kind")
        before = _snapshot(project, stored_stages(project))
    data.name = data.name.strip()
    data.note = normal_newlines(data.note)
    project_data_check(data=data, today=today)
    key = address_key(data.name)
    names.check(project, data, key)
    if not confirmed and (warnings := project_warnings(data)):
        raise NeedsConfirmation(warnings)
    kind = KINDS[data.kind]
    old = (project.kind, project.year, project.name_key) if project.pk else None
    for name in SAVED_FIELDS:
        setattr(project, name, getattr(data, name))
    project.town = town
    project.name_key = key
    project.stage = current_stage(kind, data.stages)
    project.counted_on = counted_on(kind, data.stages)
    project._changed = before is None or _snapshot(project, data.stages) != before
    if project._changed:
        names.take(project, old, town.name)
    return project


def _snapshot(project: Project, stages: dict[str, StageDates]) -> tuple:
    dates = sorted(
        (key, d.planned_on, d.reached_on)
        for key, d in stages.items()
        if d.planned_on or d.reached_on
    )
    return (
        project.town_id,
        *(getattr(project, name) for name in SAVED_FIELDS),
        tuple(dates),
    )


def _projects_write(
    created: list[tuple[Project, dict[str, StageDates]]],
    changed: list[tuple[Project, dict[str, StageDates]]],
    *,
    user: AbstractBaseUser,
    reason: str,
    now: datetime,
) -> None:
    """Write the batch's new and changed projects, their stages and the history
    of both, in a few queries whatever the batch's length."""
    audit = {"user": user, "reason": reason, "when": now}
    if created:
        rows_insert(Project, [p for p, _ in created])
        history_copy(Project, [p.pk for p, _ in created], history_type="+", **audit)
    if changed:
        Project.objects.bulk_update(
            [p for p, _ in changed],
            [*SAVED_FIELDS, "town", "name_key", "stage", "counted_on", "version",
             "updated_by", "updated_at"],
            batch_size=500,
        )  # fmt: skip
        history_copy(Project, [p.pk for p, _ in changed], history_type="~", **audit)
    added: list[ProjectStage] = []
    moved: list[ProjectStage] = []
    gone: list[ProjectStage] = []
    for project, stages in created:
        added.extend(
            ProjectStage(project=project, stage=key, planned_on=d.planned_on,
                         reached_on=d.reached_on)
            for key, d in stages.items()
            if d.planned_on or d.reached_on
        )  # fmt: skip
    for project, stages in changed:
        rows = {s.stage: s for s in project.stages.all()}  # prefetched
        for key, d in stages.items():
            row = rows.pop(key, None)
            if d.planned_on is None and d.reached_on is None:
                if row is not None:
                    gone.append(row)
            elif row is None:
                added.append(ProjectStage(project=project, stage=key,
                    planned_on=d.planned_on, reached_on=d.reached_on))  # fmt: skip
            elif (row.planned_on, row.reached_on) != (d.planned_on, d.reached_on):
                row.planned_on, row.reached_on = d.planned_on, d.reached_on
                moved.append(row)
        gone.extend(rows.values())
    if added:
        rows_insert(ProjectStage, added)
        history_copy(ProjectStage, [s.pk for s in added], history_type="+", **audit)
    if moved:
        ProjectStage.objects.bulk_update(
            moved, ["planned_on", "reached_on"], batch_size=500
        )
        history_copy(ProjectStage, [s.pk for s in moved], history_type="~", **audit)
    if gone:
        # The history keeps each row as it was last, then the row goes.
        pks = [s.pk for s in gone]
        history_copy(ProjectStage, pks, history_type="-", **audit)
        ProjectStage.objects.filter(pk__in=pks).delete()


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


# Before and after are photos; a PDF or a Word file is a document.
PHOTO_CATEGORIES = (ProjectFile.Category.BEFORE, ProjectFile.Category.AFTER)
MAX_FILES_PER_PROJECT = 60


@transaction.atomic
def project_file_add(
    *,
    user: AbstractBaseUser,
    project_id: int,
    category: str,
    upload: UploadedFile,
    now: datetime | None = None,
) -> ProjectFile:
    """Attach a photo or a document to a project, its content checked as the
    returns' evidence is (type by content, size, no script or program inside)."""
    now = now or timezone.now()
    project = (
        writable_projects(user)
        .select_for_update(of=("self",))
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise PermissionDenied("您无权为这个项目上传照片或资料。")
    if category not in ProjectFile.Category.values:
        raise ValidationError(
            {"category": "请选择改造前照片、改造后照片或文件资料。"}, code="category"
        )
    if project.files.count() >= MAX_FILES_PER_PROJECT:
        raise ValidationError(
            f"每个项目最多保存{MAX_FILES_PER_PROJECT}个照片和资料。", code="too_many"
        )
    if category in PHOTO_CATEGORIES and not evidence_content_type(upload).startswith(
        "image/"
    ):
        raise ValidationError(
            f"文件“{upload.name}”不是照片（JPEG、PNG 或 GIF）；"
            "批复、验收报告等请选“文件资料”。",
            code="not_a_photo",
        )
    record = ProjectFile(project=project, category=category)
    record._change_reason = ProjectFile.Category(category).label
    evidence_save(record, upload, user=user, now=now)
    return record
