"""Every write of the year-end assessment: one service per write, each one
transaction, each audited (simple-history records who and why)."""

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment.access import may_object
from assessment.models import (
    Adjustment,
    AssessmentResult,
    Correction,
    ListKind,
    Objection,
    Scheme,
)
from assessment.parts import PARTS
from assessment.scoring import rank_rows, score_row
from assessment.selectors import (
    assessment_snapshot,
    objection_deadline,
)
from dashboard.ranking import year_settles_on
from indicators.models import PlanSettings
from units.models import Unit
from units.roles import is_admin
from yuecheng_housing.lib.errors import Conflict
from yuecheng_housing.lib.periods import PLAN_YEARS, day_label
from yuecheng_housing.lib.text import normal_newlines

ALLOWED_CATEGORIES = {
    Adjustment.Kind.BONUS: {
        Adjustment.Category.EXEMPLARY,
        Adjustment.Category.PRAISED,
        Adjustment.Category.OTHER,
    },
    Adjustment.Kind.DEDUCTION: {
        Adjustment.Category.SUMMONED,
        Adjustment.Category.CRITICISED,
        Adjustment.Category.OTHER,
    },
    Adjustment.Kind.VETO: set(Adjustment.Category),
}
MAX_TEXT = 2000


def _require_admin(user: AbstractBaseUser, what: str) -> None:
    if not is_admin(user):
        raise PermissionDenied(f"只有管理员可以{what}。")


def _plan_year(year: int) -> None:
    if year not in PLAN_YEARS:
        raise ValidationError(
            f"考核年度须在{PLAN_YEARS[0]}—{PLAN_YEARS[-1]}年之间。", code="bad_year"
        )


def _not_published(year: int, what: str) -> None:
    if AssessmentResult.objects.filter(year=year).exists():
        raise Conflict(
            f"{year}年度考核结果已发布，不能再{what}；如需改动，请在单位考核表上以"
            "“更正”方式修改并写明理由。",
            code="published",
        )


def _text(value: str, label: str, *, field: str) -> str:
    value = normal_newlines(value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}。"}, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationError({field: f"{label}最多{MAX_TEXT}字。"}, code="too_long")
    return value


def _weight(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip() or "0")
    except InvalidOperation:
        raise ValidationError(f"权重“{raw}”不是数字。", code="bad_weight") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError("每项权重须在0到100之间。", code="bad_weight")
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError("权重最多保留一位小数。", code="bad_weight")
    return value


@transaction.atomic
def scheme_save(
    *,
    year: int,
    list_kind: str,
    weights: dict[str, object],
    user: AbstractBaseUser,
    today: date | None = None,
) -> Scheme:
    """Set the parts and weights one list is assessed on in a year. The weights
    must add up to 100; a part may weigh 0 (not assessed)."""
    today = today or timezone.localdate()
    _require_admin(user, "设定考核方案")
    _plan_year(year)
    if list_kind not in ListKind.values:
        raise ValidationError("未知的榜单。", code="bad_list")
    if today.year > year:
        raise ValidationError(
            f"{year}年已结束，考核方案须在年度结束前设定。", code="year_closed"
        )
    _not_published(year, "修改考核方案")
    allowed = {key for key, p in PARTS.items() if list_kind in p.lists}
    unknown = set(weights) - allowed
    if unknown:
        raise ValidationError(
            f"“{ListKind(list_kind).label}”不适用的考核项目：{'、'.join(sorted(unknown))}。",
            code="bad_part",
        )
    parsed = {key: _weight(raw) for key, raw in weights.items()}
    total = sum(parsed.values(), Decimal(0))
    if total != 100:
        raise ValidationError(
            f"各部分权重之和须为100，现为{total.normalize():f}。",
            code="weights_not_100",
        )
    scheme = (
        Scheme.objects.select_for_update()
        .filter(year=year, list_kind=list_kind)
        .first()
    ) or Scheme(year=year, list_kind=list_kind)
    scheme.weights = {
        key: int(w) if w == w.to_integral_value() else float(w)
        for key, w in parsed.items()
    }
    scheme.updated_by = user
    scheme.full_clean()
    scheme._history_user = user
    scheme._change_reason = "设定考核方案"
    scheme.save()
    return scheme


@transaction.atomic
def adjustment_add(
    *,
    year: int,
    unit: Unit,
    kind: str,
    category: str,
    points: Decimal | None,
    reason: str,
    evidence: str,
    user: AbstractBaseUser,
) -> Adjustment:
    """Enter a bonus, a deduction or a 一票否决 for a unit, with its reason and
    the document it rests on."""
    _require_admin(user, "录入考核加减分")
    _plan_year(year)
    _not_published(year, "录入加减分或一票否决")
    if kind not in Adjustment.Kind.values:
        raise ValidationError({"kind": "请选择加分、扣分或一票否决。"}, code="bad_kind")
    if category not in ALLOWED_CATEGORIES[kind]:
        raise ValidationError(
            {
                "category": f"“{Adjustment.Category(category).label}”"
                f"不能作为{Adjustment.Kind(kind).label}的事由。"
                if category in Adjustment.Category.values
                else "请选择事由类别。"
            },
            code="bad_category",
        )
    if unit.kind == Unit.Kind.GROUP:
        raise ValidationError(
            {"unit": "单位组不参与考核，请选择其成员单位。"}, code="group"
        )
    reason = _text(reason, "理由", field="reason")
    evidence = _text(evidence, "依据（文号、纪要或批示）", field="evidence")[:200]
    if kind == Adjustment.Kind.VETO:
        points = Decimal(0)
    elif points is None or points <= 0 or points > 20:
        raise ValidationError(
            {"points": "加分、扣分的分值须大于0且不超过20。"}, code="bad_points"
        )
    adjustment = Adjustment(
        year=year, unit=unit, kind=kind, category=category, points=points,
        reason=reason, evidence=evidence, created_by=user,
    )  # fmt: skip
    adjustment.full_clean()
    adjustment._history_user = user
    adjustment._change_reason = f"录入{adjustment.get_kind_display()}"
    adjustment.save()
    return adjustment


@transaction.atomic
def adjustment_remove(*, adjustment_id: int, user: AbstractBaseUser) -> None:
    """Take back an adjustment entered by mistake (before publication only)."""
    _require_admin(user, "撤回考核加减分")
    adjustment = Adjustment.objects.select_for_update().filter(pk=adjustment_id).first()
    if adjustment is None:
        raise Conflict("该条加减分已不存在，请刷新。", code="gone")
    _not_published(adjustment.year, "撤回加减分或一票否决")
    adjustment._history_user = user
    adjustment._change_reason = "撤回"
    adjustment.delete()


@transaction.atomic
def result_publish(
    *,
    year: int,
    user: AbstractBaseUser,
    objection_days: int = 7,
    today: date | None = None,
) -> AssessmentResult:
    """Publish a year's result: compute it once more and freeze every part, fact
    and score. Once only; afterwards it changes only by result_correct."""
    today = today or timezone.localdate()
    _require_admin(user, "发布考核结果")
    _plan_year(year)
    opens = year_settles_on(year, PlanSettings.load().entry_deadline_day)
    if today < opens:
        raise ValidationError(
            f"{year}年12月数据报送截止（{day_label(opens - timedelta(days=1))}）"
            "次日起才能发布考核结果。",
            code="year_open",
        )
    if not 1 <= objection_days <= 60:
        raise ValidationError(
            {"objection_days": "异议期须在1至60天之间。"}, code="bad_days"
        )
    if AssessmentResult.objects.filter(year=year).exists():
        raise Conflict(
            f"{year}年度考核结果已发布，不能重复发布；如需改动，请在单位考核表上以"
            "“更正”方式修改并写明理由。",
            code="published",
        )
    snapshot = assessment_snapshot(year=year, today=today)
    missing = [
        label
        for kind, label in ListKind.choices
        if kind not in snapshot["schemes"]
        and any(r["list"] == kind for r in snapshot["rows"])
    ]
    if missing:
        raise ValidationError(
            f"尚未设定{'、'.join(missing)}的考核方案，不能发布。", code="no_scheme"
        )
    result = AssessmentResult(
        year=year,
        as_of=date.fromisoformat(snapshot["as_of"]),
        published_on=today,
        objection_days=objection_days,
        snapshot=snapshot,
        published_by=user,
    )
    result.full_clean(exclude=["year"])  # the constraint below says it better
    result._history_user = user
    result._change_reason = "发布"
    try:
        with transaction.atomic():
            result.save()
    except IntegrityError:
        # Two admins pressed 发布 at once: the second is told, nothing changes.
        raise Conflict(
            f"{year}年度考核结果已发布，不能重复发布。", code="published"
        ) from None
    return result


@transaction.atomic
def objection_file(
    *,
    year: int,
    unit: Unit,
    text: str,
    user: AbstractBaseUser,
    today: date | None = None,
) -> Objection:
    """A unit objects to its published sheet, within the objection window."""
    today = today or timezone.localdate()
    result = AssessmentResult.objects.filter(year=year).first()
    if result is None:
        # A state, not bad input: the same objection is fine once published (409).
        raise Conflict(
            f"{year}年度考核结果尚未发布，发布后才能提出异议。", code="not_published"
        )
    if not may_object(user, unit):
        raise PermissionDenied("只能对本单位的考核结果提出异议。")
    if not any(r["unit_id"] == unit.pk for r in result.snapshot["rows"]):
        raise ValidationError(f"{unit.name}不在{year}年度考核范围内。", code="absent")
    deadline = objection_deadline(result)
    if today > deadline:
        raise ValidationError(
            f"异议期已于{day_label(deadline)}截止，不能再提出异议。",
            code="window_closed",
        )
    objection = Objection(
        result=result, unit=unit, text=_text(text, "异议内容", field="text"),
        filed_by=user,
    )  # fmt: skip
    objection.full_clean()
    objection._history_user = user
    objection._change_reason = "提出异议"
    objection.save()
    return objection


@transaction.atomic
def objection_answer(
    *,
    objection_id: int,
    answer: str,
    user: AbstractBaseUser,
    correction: dict | None = None,
    now: datetime | None = None,
) -> Objection:
    """Answer an objection, once; where the answer changes the result, the
    change is a correction (result_correct) made in the same transaction, with
    the answer as its reason unless another is given."""
    now = now or timezone.now()
    _require_admin(user, "答复异议")
    objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
    if objection is None:
        raise Conflict("该异议不存在。", code="gone")
    if objection.answered:
        raise Conflict("该异议已答复，不能重复答复。", code="answered")
    objection.answer = _text(answer, "答复", field="answer")
    objection.answered_by = user
    objection.answered_at = now
    objection.full_clean()
    objection._history_user = user
    objection._change_reason = "答复异议"
    objection.save()
    if correction:
        result_correct(
            year=objection.result.year,
            unit=objection.unit,
            field=correction["field"],
            value=correction["value"],
            reason=correction.get("reason") or objection.answer,
            user=user,
            objection=objection,
        )
    return objection


CORRECTABLE = {"bonus": "加分", "deduction": "扣分", "veto": "一票否决"}


def correction_fields(row: dict) -> list[tuple[str, str]]:
    """(field, label) of what a correction may change on a unit's row."""
    return [
        *(
            (f"part:{key}", f"{p['label']}得分率（%）")
            for key, p in row["parts"].items()
        ),
        ("bonus", "加分合计"),
        ("deduction", "扣分合计"),
        ("veto", "一票否决（1 是，0 否）"),
    ]


def _corrected_value(field: str, raw) -> float | bool:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(
            {"value": "更正后的值须是数字。"}, code="bad_value"
        ) from None
    if not value.is_finite():
        raise ValidationError({"value": "更正后的值须是数字。"}, code="bad_value")
    if field == "veto":
        if value not in (0, 1):
            raise ValidationError(
                {"value": "一票否决填1（是）或0（否）。"}, code="bad_value"
            )
        return bool(value)
    upper = 100 if field.startswith("part:") else 20
    if not 0 <= value <= upper:
        raise ValidationError(
            {"value": f"更正后的值须在0到{upper}之间。"}, code="bad_value"
        )
    return float(value)


def _shown(field: str, value) -> str:
    if value is None:
        return "不适用"
    if field == "veto":
        return "是" if value else "否"
    return f"{value:g}%" if field.startswith("part:") else f"{value:g}分"


@transaction.atomic
def result_correct(
    *,
    year: int,
    unit: Unit,
    field: str,
    value,
    reason: str,
    user: AbstractBaseUser,
    objection: Objection | None = None,
) -> Correction:
    """Change one thing on a unit's published row, with its reason: the only way
    a published result changes. The unit's total, grade and every rank of its
    list follow by the same rule as the computation (scoring.py)."""
    _require_admin(user, "更正考核结果")
    result = AssessmentResult.objects.select_for_update().filter(year=year).first()
    if result is None:
        raise ValidationError(
            f"{year}年度考核结果尚未发布：发布前请直接修改方案或加减分。",
            code="not_published",
        )
    reason = _text(reason, "更正理由", field="reason")
    snapshot = copy.deepcopy(result.snapshot)
    row = next((r for r in snapshot["rows"] if r["unit_id"] == unit.pk), None)
    if row is None:
        raise ValidationError(f"{unit.name}不在{year}年度考核范围内。", code="absent")
    if field not in dict(correction_fields(row)):
        raise ValidationError({"field": "请选择要更正的项目。"}, code="bad_field")
    new = _corrected_value(field, value)
    if field.startswith("part:"):
        part = row["parts"][field.removeprefix("part:")]
        before = None if part["share"] is None else round(part["share"] * 100, 2)
        part["share"] = round(new / 100, 4)
        part["corrected"] = True
        label = f"{part['label']}得分率"
    else:
        before = row["vetoed"] if field == "veto" else row[field]
        row[f"{field}_corrected"] = new
        label = CORRECTABLE[field]
    if before == new:
        raise ValidationError(
            {"value": "更正后的值与原值相同，无需更正。"}, code="unchanged"
        )
    row["corrections"].append(
        {
            "label": label,
            "before": _shown(field, before),
            "after": _shown(field, new),
            "reason": reason,
        }
    )
    score_row(row)
    rank_rows(snapshot["rows"])
    result.snapshot = snapshot
    result._history_user = user
    result._change_reason = f"更正{unit.name}{label}：{reason}"[:100]
    result.save(update_fields=["snapshot"])
    correction = Correction(
        result=result, unit=unit, objection=objection, field=field,
        before=before, after=new, reason=reason, made_by=user,
    )  # fmt: skip
    correction.full_clean()
    correction._history_user = user
    correction._change_reason = "更正考核结果"
    correction.save()
    return correction
