"""How an indicator's progress is judged: the one status function.

Checked top-down, the first rule that matches wins:

1. 未填报 no_data   — nothing reported this year.
2. 已达标 met       — the latest value satisfies the year's target with its comparator
                     ("＞220" needs more than 220; a bare figure is met at or above it).
3. 正常 on_track    — at or above the value expected for that month: a straight line
                     from the previous year's target (for 2023, from the baseline an
                     admin enters) to this year's target over the 12 months.
4. 预警 warning     — below the expected value by less than the threshold (default
                     10% of the expected value, set by an admin).
5. 滞后 behind      — further below.

For 2023 with no baseline there is no line to judge against before the year ends:
until December an unmet value is on_track with no expected value; in December it is
judged against the year's target. Lower-is-better indicators mirror every rule.
Completion is value ÷ target (target ÷ value when lower is better).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MET = "met"
ON_TRACK = "on_track"
WARNING = "warning"
BEHIND = "behind"
NO_DATA = "no_data"

LABELS = {
    MET: "已达标",
    ON_TRACK: "正常",
    WARNING: "预警",
    BEHIND: "滞后",
    NO_DATA: "未填报",
}
ICONS = {MET: "✔", ON_TRACK: "●", WARNING: "▲", BEHIND: "✖", NO_DATA: "○"}
ORDER = [MET, ON_TRACK, WARNING, BEHIND, NO_DATA]


@dataclass(frozen=True)
class Progress:
    status: str
    period: date | None = None
    value: Decimal | None = None
    expected: Decimal | None = None
    completion: Decimal | None = None

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def icon(self) -> str:
        return ICONS[self.status]


def expected_value(
    *, start: Decimal | None, target: Decimal, month: int
) -> Decimal | None:
    """Return the value expected at the end of `month` (1–12) on the straight line."""
    if start is None:
        return target if month == 12 else None
    return start + (target - start) * Decimal(month) / Decimal(12)


def target_met(
    *, value: Decimal, comparator: str, target: Decimal, higher_is_better: bool = True
) -> bool:
    if higher_is_better:
        return value > target if comparator == "gt" else value >= target
    return value < target if comparator == "gt" else value <= target


def judge(
    *,
    period: date | None,
    value: Decimal | None,
    comparator: str,
    target: Decimal,
    start: Decimal | None,
    threshold: Decimal,
    higher_is_better: bool = True,
) -> Progress:
    """Return the status of the latest `value` (reported for `period`) this year."""
    if value is None or period is None:
        return Progress(NO_DATA)
    completion = _completion(value, target, higher_is_better)
    expected = expected_value(start=start, target=target, month=period.month)
    common = {"period": period, "value": value, "expected": expected}
    if target_met(
        value=value,
        comparator=comparator,
        target=target,
        higher_is_better=higher_is_better,
    ):
        return Progress(MET, completion=completion, **common)
    if expected is None:
        return Progress(ON_TRACK, completion=completion, **common)
    gap = (expected - value) if higher_is_better else (value - expected)
    if gap <= 0:
        status = ON_TRACK
    elif gap < abs(expected) * threshold:
        status = WARNING
    else:
        status = BEHIND
    return Progress(status, completion=completion, **common)


def _completion(value: Decimal, target: Decimal, higher_is_better: bool) -> Decimal:
    if higher_is_better:
        if target == 0:
            return Decimal(1) if value >= 0 else Decimal(0)
        return value / target
    if value == 0:
        return Decimal(1)
    return target / value
