"""Every write to the register: the forms, the API, the Excel import, demo data.

Each write is one transaction that checks who may write (the town is looked up
among the user's own, never taken from the client on trust), validates in
Chinese, refuses a stale version, and leaves its django-simple-history record
with who, when and why. Nothing is half-written: an error raises before save.
"""

import unicodedata
from dataclasses import dataclass, fields
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hazards.access import reviewable_cases, writable_cases, writable_towns
from hazards.models import HazardCase, HazardEvidence
from units.models import Unit
from yuecheng_housing.lib.bulk_rows import history_copy, rows_insert
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation, check_version
from yuecheng_housing.lib.evidence import evidence_save
from yuecheng_housing.lib.text import normal_newlines

# No register reaches further back than this; an earlier year is a typing slip.
EARLIEST = date(2000, 1, 1)


# 解危 is what every remedy achieves; a form or row that names it as the way is
# told so rather than shown the bare list.
REMEDY_CHOICES_TEXT = (
    "整治方式只能是加固、拆除重建、拆除或其他（解危是整治的结果，不是整治方式）。"
)


@dataclass
class CaseData:
    """What a person enters for a case: the same fields from every path."""

    town: Unit
    address: str
    kind: str
    found_on: date
    hardship: bool = False
    appraised_on: date | None = None
    grade: str = ""
    evacuated_on: date | None = None
    remedy: str = ""
    remedied_on: date | None = None
    relief_granted_on: date | None = None
    note: str = ""


def address_key(address: str) -> str:
    """The address as compared for duplicates: full-width folded, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", address).split())


def case_data_check(*, data: CaseData, today: date) -> None:
    """Raise ValidationError with every problem of `data`, per field, in Chinese."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if not data.address.strip():
        refuse("address", "请填写地址。", "required")
    elif len(data.address) > 200:
        refuse("address", "地址最多200字。", "too_long")
    if len(data.note) > 2000:
        refuse("note", "备注最多2000字。", "too_long")
    if data.kind not in HazardCase.Kind.values:
        refuse("kind", "类别只能是城镇或农村。", "invalid_choice")
    if data.hardship and data.kind != HazardCase.Kind.RURAL:
        refuse("hardship", "困难家庭只适用于农村危房。", "hardship_not_rural")
    if data.grade and data.grade not in HazardCase.Grade.values:
        refuse("grade", "鉴定等级只能是A、B、C或D级。", "invalid_choice")
    if data.remedy and data.remedy not in HazardCase.Remedy.values:
        refuse("remedy", REMEDY_CHOICES_TEXT, "invalid_choice")
    dates = {
        "found_on": data.found_on,
        "appraised_on": data.appraised_on,
        "evacuated_on": data.evacuated_on,
        "remedied_on": data.remedied_on,
        "relief_granted_on": data.relief_granted_on,
    }
    for field, day in dates.items():
        # Each message names its field: a row of the import shows no column.
        label = HazardCase._meta.get_field(field).verbose_name
        if day is not None and day > today:
            refuse(field, f"{label}{day:%Y-%m-%d}晚于今天，不能预填。", "future_date")
        elif day is not None and day < EARLIEST:
            refuse(field, f"{label}{day:%Y-%m-%d}过早，请检查年份。", "too_early")
    if (data.appraised_on is None) != (not data.grade):
        field = "grade" if data.appraised_on else "appraised_on"
        refuse(field, "鉴定日期和鉴定等级须同时填写。", "appraisal_incomplete")
    for field in ("appraised_on", "evacuated_on", "relief_granted_on"):
        day = dates[field]
        if day is not None and data.found_on and day < data.found_on:
            label = HazardCase._meta.get_field(field).verbose_name
            refuse(field, f"{label}不能早于发现日期。", "before_found")
    if data.evacuated_on is not None and data.grade != HazardCase.Grade.D:
        refuse(
            "evacuated_on", "只有鉴定为D级的危房才填写撤离日期。", "evacuation_not_d"
        )
    _remedy_check(data, refuse)
    if data.relief_granted_on is not None and not data.hardship:
        refuse(
            "relief_granted_on",
            "只有农村困难家庭的危房才填写救助到位日期。",
            "relief_not_hardship",
        )
    if errors:
        raise ValidationError(errors)


def _remedy_check(data: CaseData, refuse) -> None:
    if data.remedied_on is None:
        return
    if data.appraised_on is None:
        refuse("remedied_on", "尚未鉴定的危房不能填写整治完成日期。", "not_appraised")
    elif data.remedied_on < data.appraised_on:
        refuse(
            "remedied_on",
            f"整治完成日期不能早于鉴定日期（{data.appraised_on:%Y-%m-%d}）。",
            "remedy_before_appraisal",
        )
    if data.grade in (HazardCase.Grade.A, HazardCase.Grade.B):
        refuse(
            "remedied_on",
            f"鉴定为{data.grade}级的房屋不是危房，无需填写整治完成日期。",
            "not_dangerous",
        )
    if not data.remedy:
        refuse("remedy", "填写整治完成日期时须选择整治方式。", "remedy_missing")


def duplicate_warning(case: HazardCase) -> str:
    if case.pk is None:  # entered earlier in the same batch (the same list)
        return (
            f"本次导入中已有同一地址的危房“{case.address}”"
            f"（{case.found_on:%Y-%m-%d}发现）。确认是另一幢房屋后再保存。"
        )
    return (
        f"本镇街已有同一地址的在办危房：编号{case.pk}“{case.address}”"
        f"（{case.found_on:%Y-%m-%d}发现）。确认是另一幢房屋后再保存。"
    )


@dataclass
class CaseLine:
    """One case to write: `case_id` None for a new case."""

    data: CaseData
    case_id: int | None = None
    expected_version: int | None = None


@transaction.atomic
def hazard_case_save(
    *,
    user: AbstractBaseUser,
    data: CaseData,
    case_id: int | None = None,
    expected_version: int | None = None,
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> HazardCase:
    """Create a case (no `case_id`) or change one; raise the case's error if any."""
    line = CaseLine(data, case_id, expected_version)
    (outcome,) = hazard_cases_save(
        user=user, lines=[line], confirmed=confirmed, reason=reason, now=now
    )
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


class _OpenCases:
    """The unresolved cases by town and address key, kept up to date as a batch
    is written, so that a list's row 900 is compared with its row 3 too. Each
    look-up and change costs the same however long the register is: comparing
    every row with every open case of its town made the import quadratic."""

    def __init__(self, town_ids: set[int]) -> None:
        # Cases not yet stored are told apart by id(): they have no pk.
        self.by_key: dict[tuple[int, str], dict[int, HazardCase]] = {}
        self.key_of: dict[int, tuple[int, str]] = {}
        cases = (
            HazardCase.objects.filter(town_id__in=town_ids, remedied_on__isnull=True)
            .exclude(grade__in=[HazardCase.Grade.A, HazardCase.Grade.B])
            .only("pk", "town_id", "address", "found_on", "grade", "remedied_on")
        )
        for case in cases:
            self.add(case)

    @staticmethod
    def _token(case: HazardCase) -> int:
        return case.pk if case.pk is not None else -id(case)

    def add(self, case: HazardCase) -> None:
        if case.remedied_on is not None or case.grade in ("A", "B"):
            return
        key = (case.town_id, address_key(case.address))
        self.by_key.setdefault(key, {})[self._token(case)] = case
        self.key_of[self._token(case)] = key

    def remove(self, case: HazardCase) -> None:
        token = self._token(case)
        key = self.key_of.pop(token, None)
        if key is not None:
            self.by_key[key].pop(token, None)

    def same_address(
        self, *, town: Unit, address: str, exclude_pk: int | None
    ) -> list[HazardCase]:
        bucket = self.by_key.get((town.pk, address_key(address)), {})
        found = [c for c in bucket.values() if c.pk is None or c.pk != exclude_pk]
        return sorted(found, key=lambda c: (c.pk is None, c.pk or 0))


@transaction.atomic
def hazard_cases_save(
    *,
    user: AbstractBaseUser,
    lines: list[CaseLine],
    confirmed: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> list[HazardCase | Exception]:
    """Create or change cases: the one path for every write of the register.

    The page, the API, the Excel import and demo data all come here. The case and
    the town are both looked up among those `user` may write for; another town's
    case is refused whatever id is sent. An address already open in the same town
    (stored, or earlier in the same batch) raises NeedsConfirmation naming that
    case until `confirmed`. A batch costs a fixed number of queries however long
    (the import sends a town's whole list), and returns, line by line, the stored
    case or the error that refused it; lines without an error are written, and the
    caller rolls back if it wants all or nothing.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Locking the town rows serialises writes of a town, so that two people
    # entering the same address at once cannot both miss the other's case.
    wanted = {line.data.town.pk for line in lines}
    towns = {
        t.pk: t
        # Only the towns' own rows, in id order: the roster's default order joins
        # a unit's group, which PostgreSQL will not lock.
        for t in writable_towns(user)
        .select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .order_by("pk")
    }
    ids = {line.case_id for line in lines if line.case_id is not None}
    stored = _writable_by_pk(user, ids)
    open_cases = _OpenCases(set(towns))
    outcomes: list = [None] * len(lines)
    created: list[HazardCase] = []
    changed: dict[int, HazardCase] = {}
    for i, line in enumerate(lines):
        try:
            case = _case_line(line, towns, stored, open_cases, confirmed, today)
        except (ValidationError, PermissionDenied, Conflict, NeedsConfirmation) as e:
            outcomes[i] = e
            continue
        outcomes[i] = case
        if not getattr(case, "_changed", False):
            continue
        case.updated_by = user
        case.updated_at = now
        if case.pk is None:
            case.created_at = now
            created.append(case)
        else:
            case.version += 1
            changed[case.pk] = case
        # The town and the user were just read from the database, and the
        # constraints are the ones case_data_check has checked (the database
        # still enforces them): validating them again would cost queries per row.
        case.full_clean(
            exclude=["town", "updated_by", "reviewed_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    _cases_write(created, list(changed.values()), user=user, reason=reason, now=now)
    return outcomes


def _writable_by_pk(user: AbstractBaseUser, ids: set[int]) -> dict[int, HazardCase]:
    """The cases among `ids` that `user` may change, locked, by pk."""
    found: dict[int, HazardCase] = {}
    ordered = sorted(ids)
    # A list of thousands of ids stays under SQLite's limit on query parameters.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        cases = (
            writable_cases(user)
            .select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(pk__in=chunk)
        )
        found.update((c.pk, c) for c in cases)
    return found


def _case_line(
    line: CaseLine,
    towns: dict[int, Unit],
    stored: dict[int, HazardCase],
    open_cases: _OpenCases,
    confirmed: bool,
    today: date,
) -> HazardCase:
    """Check one line and apply it to its case (new or stored); raise if refused."""
    data = line.data
    data.address = data.address.strip()
    data.note = normal_newlines(data.note)
    town = towns.get(data.town.pk)
    if town is None:
        raise PermissionDenied(f"您无权登记或修改“{data.town}”的危房。")
    if line.case_id is None:
        case = HazardCase(created_at=None)
        if line.expected_version:
            raise Conflict("该危房记录不存在或已被删除，请刷新后再改。", code="stale")
    else:
        case = stored.get(line.case_id)
        if case is None:
            raise PermissionDenied("您无权修改这条危房记录（不属于您的镇街或不存在）。")
        check_version(case, line.expected_version)
    case_data_check(data=data, today=today)
    if not confirmed:
        duplicates = open_cases.same_address(
            town=town, address=data.address, exclude_pk=case.pk
        )
        if duplicates:
            raise NeedsConfirmation([duplicate_warning(c) for c in duplicates])
    before = _snapshot(case) if case.pk is not None else None
    for field in fields(CaseData):
        setattr(case, field.name, getattr(data, field.name))
    case.town = town
    case._changed = before is None or _snapshot(case) != before
    if case._changed:
        if case.pk is not None:
            open_cases.remove(case)
        open_cases.add(case)
    return case


def _cases_write(
    created: list[HazardCase],
    changed: list[HazardCase],
    *,
    user: AbstractBaseUser,
    reason: str,
    now: datetime,
) -> None:
    """Write the batch's new and changed cases and their history, in a few queries."""
    if created:
        rows_insert(HazardCase, created)
        history_copy(
            HazardCase,
            [c.pk for c in created],
            history_type="+",
            user=user,
            reason=reason,
            when=now,
        )
    if changed:
        HazardCase.objects.bulk_update(
            changed,
            [f.name for f in fields(CaseData)]
            + ["version", "updated_by", "updated_at"],
            batch_size=500,
        )
        history_copy(
            HazardCase,
            [c.pk for c in changed],
            history_type="~",
            user=user,
            reason=reason,
            when=now,
        )


def _snapshot(case: HazardCase) -> tuple:
    return tuple(
        case.town_id if f.name == "town" else getattr(case, f.name)
        for f in fields(CaseData)
    )


@transaction.atomic
def hazard_case_review(
    *,
    user: AbstractBaseUser,
    case_id: int,
    comment: str,
    now: datetime | None = None,
) -> HazardCase:
    """Record a supervising department's review of a case (核查), with a comment."""
    now = now or timezone.now()
    case = (
        reviewable_cases(user)
        .select_for_update(of=("self",))
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise PermissionDenied("您无权核查这条危房记录。")
    comment = normal_newlines(comment).strip()
    if len(comment) > 2000:
        raise ValidationError(
            {"review_comment": "核查意见最多2000字。"}, code="too_long"
        )
    case.reviewed_at = now
    case.reviewed_by = user
    case.review_comment = comment
    case.full_clean()
    case._change_reason = "核查"
    case._history_user = user
    case._history_date = now
    case.save()
    return case


@transaction.atomic
def hazard_evidence_add(
    *,
    user: AbstractBaseUser,
    case_id: int,
    upload: UploadedFile,
    now: datetime | None = None,
) -> HazardEvidence:
    """Attach a file to a case after checking its content (as the returns' evidence)."""
    now = now or timezone.now()
    case = (
        writable_cases(user).select_for_update(of=("self",)).filter(pk=case_id).first()
    )
    if case is None:
        raise PermissionDenied("您无权为这条危房记录上传材料。")
    evidence = HazardEvidence(case=case)
    evidence_save(evidence, upload, user=user, now=now)
    return evidence
