from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.models import Indicator, PlanNote, Target
from indicators.selectors import plan_discrepancies


@transaction.atomic
def target_revise(
    *,
    target: Target,
    comparator: str,
    value: Decimal,
    user: AbstractBaseUser,
    reason: str,
    seen: tuple[str, Decimal] | None = None,
) -> Target:
    """Revise a year's target, keeping the earlier value, who, when and why.

    The plan allows targets to be adjusted after policy evaluation; every revision
    must say why, and the history (django-simple-history) keeps each version.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "修订目标必须填写原因。"}, code="no_reason")
    # Lock the row so two admins revising at once cannot lose one revision.
    locked = Target.objects.select_for_update().get(pk=target.pk)
    if seen is not None and (locked.comparator, locked.value) != seen:
        latest = locked.history.select_related("history_user").first()
        who = latest.history_user if latest else "他人"
        when = timezone.localtime(latest.history_date) if latest else None
        raise ValidationError(
            f"已被他人修改（{who}，{when:%Y-%m-%d %H:%M}），请刷新后再改。"
            if when
            else "已被他人修改，请刷新后再改。",
            code="stale",
        )
    if locked.comparator == comparator and locked.value == value:
        raise ValidationError("目标值未改变。", code="unchanged")
    locked.comparator = comparator
    locked.value = value
    locked.full_clean()
    locked._change_reason = reason
    locked._history_user = user
    locked.save()
    return locked


@transaction.atomic
def plan_note_save(
    *, key: str, note: str, user: AbstractBaseUser, reason: str = ""
) -> PlanNote:
    """Store the admin's note on one of the plan's disagreements, with its history.

    The page's form and the admin both write here; the history keeps who, when,
    the earlier text and why.
    """
    if key not in {d.key for d in plan_discrepancies()}:
        raise ValidationError({"key": "方案中没有这一处不一致。"}, code="unknown_key")
    note = note.strip()
    # Lock the row: two admins saving at once keep both versions in the history.
    found = PlanNote.objects.select_for_update().filter(key=key).first()
    if found is None:
        found = PlanNote(key=key)
    elif found.note == note:
        return found
    found.note = note
    found.full_clean()
    found._change_reason = reason.strip() or "修改说明"
    found._history_user = user
    found.save()
    return found


JUDGEMENT_FIELDS = ("baseline", "progress_curve", "milestones")


@transaction.atomic
def indicator_judgement_set(
    *,
    indicator: Indicator,
    user: AbstractBaseUser,
    reason: str,
    baseline: Decimal | None,
    progress_curve: str,
    milestones: str = "",
) -> Indicator:
    """Set what an indicator's year is judged against: the 2022 baseline and the
    progress curve. Every change says why and is kept in the history; one that
    cannot be right (milestones past December, a baseline above the 2023 target
    of a count that only rises) is refused with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "修改基期值或进度曲线必须填写原因。"}, code="no_reason"
        )
    locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
    wanted = {
        "baseline": baseline,
        "progress_curve": progress_curve,
        "milestones": milestones.strip() if progress_curve == "milestones" else "",
    }
    if all(getattr(locked, name) == value for name, value in wanted.items()):
        raise ValidationError("基期值和进度曲线均未改变。", code="unchanged")
    for name, value in wanted.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked._change_reason = reason
    locked._history_user = user
    locked.save()
    return locked
