"""How an indicator's progress in a year is judged: the one status function.

A year is judged on **the year's task**: from where the year started (last
December's approved figure; where there is none, last year's target; for 2023,
the baseline an admin enters) to this year's target. Checked top-down, the first
rule that matches wins:

1. 已达标 met        — the latest value satisfies the year's target with its
                       comparator ("＞220" needs more than 220).
2. 未达标 not_met    — the year has closed (December approved, or the year is
                       over) and the target is not met: final, never 正常 or 预警.
                       A red line broken (a D-grade building not evacuated) is
                       未达标 whatever the rate.
3. 未填报 no_data    — nothing reported this year (the year still open).
4. 待评定 unjudged   — no line to judge against yet: 2023 without a baseline, or
                       an indicator judged at year end only (优质工程) before
                       December.
5. 正常 on_track     — at or above the value expected for the month on the
                       indicator's progress curve (a straight line by default;
                       milestones by month where an admin set them).
6. 预警 warning      — below it by less than the threshold (default 10 %) of the
                       year's required change (target − start).
7. 滞后 behind       — further below.

Lower-is-better indicators mirror every rule. Completion is the cumulative value ÷
target; the year's completion is (value − start) ÷ (target − start).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MET = "met"
NOT_MET = "not_met"
ON_TRACK = "on_track"
WARNING = "warning"
BEHIND = "behind"
UNJUDGED = "unjudged"
NO_DATA = "no_data"

LABELS = {
    MET: "已达标",
    NOT_MET: "未达标",
    ON_TRACK: "正常",
    WARNING: "预警",
    BEHIND: "滞后",
    UNJUDGED: "待评定",
    NO_DATA: "未填报",
}
ICONS = {
    MET: "✔",
    NOT_MET: "■",
    ON_TRACK: "●",
    WARNING: "▲",
    BEHIND: "✖",
    UNJUDGED: "◌",
    NO_DATA: "○",
}
ORDER = [MET, ON_TRACK, WARNING, BEHIND, NOT_MET, UNJUDGED, NO_DATA]
# States that need attention in a notice or on the 驾驶舱.
LAGGING = (NOT_MET, BEHIND, WARNING)

LINEAR = "linear"
MILESTONES = "milestones"
YEAR_END = "year_end"


@dataclass(frozen=True)
class Progress:
    status: str
    period: date | None = None
    value: Decimal | None = None
    expected: Decimal | None = None
    completion: Decimal | None = None
    start: Decimal | None = None  # where the year's task starts
    start_source: str = ""  # "2025年12月实际", "2025年目标", "基期值"
    target: Decimal | None = None
    final: bool = False  # the year has closed: 已达标 or 未达标 for good
    reason: str = ""  # why, when the rule alone does not say (红线, 基期值缺失)
    reported: Decimal | None = None  # the unit's typed figure, where another is judged

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def icon(self) -> str:
        return ICONS[self.status]

    @property
    def task(self) -> Decimal | None:
        """The year's task: what the year must deliver (target − start)."""
        if self.start is None or self.target is None:
            return None
        return self.target - self.start

    @property
    def delivered(self) -> Decimal | None:
        """What the year has delivered so far (value − start)."""
        if self.start is None or self.value is None:
            return None
        return self.value - self.start

    @property
    def task_completion(self) -> Decimal | None:
        task, delivered = self.task, self.delivered
        if task is None or delivered is None or task == 0:
            return None
        return delivered / task

    @property
    def lagging(self) -> bool:
        return self.status in LAGGING


def parse_milestones(text: str) -> dict[int, Decimal]:
    """Read "3:10,6:40,9:70" (month: % of the year's task done by its end);
    ValueError in Chinese if it cannot be right."""
    found: dict[int, Decimal] = {}
    for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        month_text, _, share_text = part.replace("：", ":").partition(":")
        try:
            month, share = int(month_text), Decimal(share_text.rstrip("%％"))
        except (ValueError, ArithmeticError):
            raise ValueError(
                f"进度节点“{part}”应写成“月份:百分比”，如“6:40”。"
            ) from None
        if not 1 <= month <= 12:
            raise ValueError(f"进度节点“{part}”的月份应在1至12之间。")
        if not 0 <= share <= 100:
            raise ValueError(f"进度节点“{part}”的百分比应在0至100之间。")
        if month in found:
            raise ValueError(f"进度节点中{month}月出现了两次。")
        found[month] = share / 100
    shares = [found[m] for m in sorted(found)]
    if any(b < a for a, b in zip(shares, shares[1:], strict=False)):
        raise ValueError("进度节点的百分比应随月份递增。")
    if 12 in found and found[12] != 1:
        raise ValueError("12月的进度节点须为100%（年底完成全年任务）。")
    return found


def expected_share(
    *, curve: str, month: int, milestones: dict[int, Decimal] | None = None
) -> Decimal | None:
    """The share of the year's task expected done by the end of `month` (1–12);
    None where the curve sets no interim expectation (judged at year end)."""
    if curve == YEAR_END:
        return Decimal(1) if month == 12 else None
    if curve == MILESTONES and milestones:
        points = sorted({0: Decimal(0), **milestones, 12: Decimal(1)}.items())
        for (m1, s1), (m2, s2) in zip(points, points[1:], strict=False):
            if m1 <= month <= m2:
                return s1 + (s2 - s1) * Decimal(month - m1) / Decimal(m2 - m1)
    return Decimal(month) / Decimal(12)


def expected_value(
    *,
    start: Decimal | None,
    target: Decimal,
    month: int,
    curve: str = LINEAR,
    milestones: dict[int, Decimal] | None = None,
) -> Decimal | None:
    """Return the value expected at the end of `month` (1–12) on the curve."""
    share = expected_share(curve=curve, month=month, milestones=milestones)
    if start is None or share is None:
        return None
    return start + (target - start) * share


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
    curve: str = LINEAR,
    milestones: dict[int, Decimal] | None = None,
    closed: bool = False,
    start_source: str = "",
    red_line: str = "",
    reported: Decimal | None = None,
) -> Progress:
    """Return the status of the latest `value` (reported for `period`) this year.

    `closed`: the year is over or its December approved, so the verdict is final.
    `red_line`: a breach that fails the indicator whatever its value ("2栋D级危房
    未撤离").
    """
    common = {
        "start": start,
        "start_source": start_source,
        "target": target,
        "final": closed,
        "reported": reported,
    }
    if value is None or period is None:
        if closed:
            return Progress(NOT_MET, reason="全年未报送数据", **common)
        return Progress(NO_DATA, **common)
    completion = _completion(value, target, higher_is_better)
    expected = expected_value(
        start=start, target=target, month=period.month, curve=curve,
        milestones=milestones,
    )  # fmt: skip
    common |= {"period": period, "value": value, "completion": completion}
    if red_line:
        return Progress(NOT_MET, expected=expected, reason=red_line, **common)
    if target_met(
        value=value,
        comparator=comparator,
        target=target,
        higher_is_better=higher_is_better,
    ):
        return Progress(MET, expected=expected, **common)
    if closed:
        return Progress(NOT_MET, expected=expected, **common)
    if expected is None:
        reason = (
            "按年底一次性评定，年中不作进度判断"
            if curve == YEAR_END
            else "基期值未录入，年中无法按年度任务判断"
        )
        return Progress(UNJUDGED, reason=reason, **common)
    gap = (expected - value) if higher_is_better else (value - expected)
    band = abs(target - start) * threshold
    if gap <= 0:
        status = ON_TRACK
    elif gap < band:
        status = WARNING
    else:
        status = BEHIND
    return Progress(status, expected=expected, **common)


def _completion(value: Decimal, target: Decimal, higher_is_better: bool) -> Decimal:
    if higher_is_better:
        if target == 0:
            return Decimal(1) if value >= 0 else Decimal(0)
        return value / target
    if value == 0:
        return Decimal(1)
    return target / value
