"""An item's light: the one answer to "is this supervision item on time?".

Every page, export, API, reminder, notice and ranking prints what `light` returns
and recomputes nothing. `facts_on` gives the item as it stood on an earlier day
(from its events), so a past month's notice and ranking judge it the same way.

- 已撤销: cancelled; counted nowhere.
- 已办结（按期）/（逾期）: closed; on time when the unit's accepted 申请办结 was
  made on or before the deadline (the office's day of acceptance does not count
  against the unit).
- 逾期 (red): open after the deadline; the deadline day itself is still on time.
  A pending 申请办结 is judged on the day it was made.
- 临期 (yellow): open, from `due_soon_days` days before the deadline to the
  deadline (系统参数 督办参数, default 3).
- 正常: open, further from the deadline (or applied on time, awaiting acceptance).
"""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

NORMAL = "normal"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
CANCELLED = "cancelled"

LABELS = {
    NORMAL: "正常",
    DUE_SOON: "临期",
    OVERDUE: "逾期",
    DONE_ON_TIME: "已办结（按期）",
    DONE_LATE: "已办结（逾期）",
    CANCELLED: "已撤销",
}
# The colour each light is drawn in (static/css: .light-<colour>).
COLOURS = {
    NORMAL: "green",
    DUE_SOON: "yellow",
    OVERDUE: "red",
    DONE_ON_TIME: "done",
    DONE_LATE: "done-late",
    CANCELLED: "grey",
}
OPEN_LIGHTS = (NORMAL, DUE_SOON, OVERDUE)

# The states' codes, as supervision.models.SupervisionItem.State stores them
# (repeated here so that this module needs no model).
_ASSIGNED, _IN_PROGRESS, _APPLIED, _CLOSED, _CANCELLED = (
    "assigned", "in_progress", "applied", "closed", "cancelled"
)  # fmt: skip


class ItemLike(Protocol):
    state: str
    deadline: date
    applied_on: date | None
    finished_on: date | None


@dataclass(frozen=True)
class Light:
    code: str
    days: int = 0  # days left (正常/临期), overdue (逾期) or late (已办结（逾期）)
    waiting: bool = False  # applied on time, awaiting the office's acceptance

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def colour(self) -> str:
        return COLOURS[self.code]

    @property
    def is_open(self) -> bool:
        return self.code in OPEN_LIGHTS

    @property
    def text(self) -> str:
        """The light in words, as every page prints it beside the colour."""
        if self.waiting:
            return "已申请办结，待验收"
        if self.code in (NORMAL, DUE_SOON):
            return "今天到期" if self.days == 0 else f"还剩{self.days}天"
        if self.code == OVERDUE:
            return f"已逾期{self.days}天"
        if self.code == DONE_LATE:
            return f"逾期{self.days}天办结"
        return self.label


def light(item: ItemLike, today: date, *, due_soon_days: int) -> Light:
    """Return the item's light on `today` (see the module's text for the rules)."""
    if item.state == _CANCELLED:
        return Light(CANCELLED)
    if item.state == _CLOSED:
        late = (item.finished_on - item.deadline).days
        return Light(DONE_LATE, late) if late > 0 else Light(DONE_ON_TIME)
    if item.state == _APPLIED and item.applied_on is not None:
        # Accepted, it would be closed on the day applied: judged on that day.
        late = (item.applied_on - item.deadline).days
        if late > 0:
            return Light(OVERDUE, late)
        return Light(NORMAL, max(0, (item.deadline - today).days), waiting=True)
    left = (item.deadline - today).days
    if left < 0:
        return Light(OVERDUE, -left)
    if left <= due_soon_days:
        return Light(DUE_SOON, left)
    return Light(NORMAL, left)


@dataclass(frozen=True)
class Facts:
    """An item as it stood on a day: what `light` reads."""

    pk: int
    state: str
    deadline: date
    applied_on: date | None
    finished_on: date | None


def facts_on(events: list, day: date) -> Facts | None:
    """Return the item as it stood at the end of `day`, from its events in order
    (each with kind, on, state_after, deadline_after, item_id); None if it had not
    been assigned by then."""
    state = deadline = applied = finished = None
    pk = None
    for event in events:
        if event.on > day:
            break
        pk = event.item_id
        state, deadline = event.state_after, event.deadline_after
        if event.kind == "apply":
            applied = event.on
        elif event.kind == "accept":
            finished, applied = applied, None
        elif event.kind == "send_back":
            applied = None
    if state is None:
        return None
    return Facts(pk, state, deadline, applied if state == _APPLIED else None, finished)
