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
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation, check_version
from yuecheng_housing.lib.evidence import evidence_save
from yuecheng_housing.lib.text import normal_newlines

# No register reaches further back than this; an earlier year is a typing slip.
EARLIEST = date(2000, 1, 1)


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
        refuse("remedy", "整治方式只能是加固、拆除重建、解危或其他。", "invalid_choice")
    dates = {
        "found_on": data.found_on,
        "appraised_on": data.appraised_on,
        "evacuated_on": data.evacuated_on,
        "remedied_on": data.remedied_on,
        "relief_granted_on": data.relief_granted_on,
    }
    for field, day in dates.items():
        if day is not None and day > today:
            refuse(field, f"日期{day:%Y-%m-%d}晚于今天，不能预填。", "future_date")
        elif day is not None and day < EARLIEST:
            refuse(field, f"日期{day:%Y-%m-%d}过早，请检查年份。", "too_early")
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


def open_duplicates(
    *, town: Unit, address: str, exclude_pk: int | None
) -> list[HazardCase]:
    """Return the town's unresolved cases at the same address (another entry of
    the same building, most likely)."""
    key = address_key(address)
    cases = (
        HazardCase.objects.filter(town=town, remedied_on__isnull=True)
        .exclude(grade__in=[HazardCase.Grade.A, HazardCase.Grade.B])
        .exclude(pk=exclude_pk)
        .order_by("pk")
    )
    # Compared in Python: the key folds full-width text that SQL cannot.
    return [
        c
        for c in cases.only("pk", "address", "found_on")
        if address_key(c.address) == key
    ]


def duplicate_warning(case: HazardCase) -> str:
    return (
        f"本镇街已有同一地址的在办危房：编号{case.pk}“{case.address}”"
        f"（{case.found_on:%Y-%m-%d}发现）。确认是另一幢房屋后再保存。"
    )


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
    """Create a case (no `case_id`) or change one: the one path for every write.

    The case and the town are both looked up among those `user` may write for;
    another town's case is refused whatever id is sent. An address already open
    in the same town raises NeedsConfirmation naming that case until `confirmed`.
    """
    now = now or timezone.now()
    data.address = data.address.strip()
    data.note = normal_newlines(data.note)
    towns = writable_towns(user)
    # Locking the town row serialises writes of one town, so that two people
    # entering the same address at once cannot both miss the other's case.
    town = towns.select_for_update().filter(pk=data.town.pk).first()
    if town is None:
        raise PermissionDenied(f"您无权登记或修改“{data.town}”的危房。")
    if case_id is None:
        case = HazardCase(created_at=now)
        if expected_version:
            raise Conflict("该危房记录不存在或已被删除，请刷新后再改。", code="stale")
    else:
        case = (
            writable_cases(user)
            .select_for_update()
            .select_related("updated_by")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            raise PermissionDenied("您无权修改这条危房记录（不属于您的镇街或不存在）。")
        check_version(case, expected_version)
    case_data_check(data=data, today=timezone.localdate(now))
    if not confirmed:
        duplicates = open_duplicates(
            town=town, address=data.address, exclude_pk=case.pk
        )
        if duplicates:
            raise NeedsConfirmation([duplicate_warning(c) for c in duplicates])
    before = _snapshot(case) if case.pk is not None else None
    for field in fields(CaseData):
        setattr(case, field.name, getattr(data, field.name))
    case.town = town
    if before is not None and _snapshot(case) == before:
        return case
    if case.pk is not None:
        case.version += 1
    case.updated_by = user
    case.updated_at = now
    case.full_clean()
    case._change_reason = reason
    case._history_user = user
    case._history_date = now
    case.save()
    return case


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
    case = reviewable_cases(user).select_for_update().filter(pk=case_id).first()
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
    case = writable_cases(user).select_for_update().filter(pk=case_id).first()
    if case is None:
        raise PermissionDenied("您无权为这条危房记录上传材料。")
    evidence = HazardEvidence(case=case)
    evidence_save(evidence, upload, user=user, now=now)
    return evidence
