from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from supervision.services import ItemData, item_assign
from units.models import Unit
from units.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every test writes as of this day unless it says otherwise.
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def jianshe():
    return Unit.objects.get(name="区建设局")


@pytest.fixture
def lead_user(make_user, plan):
    return make_user("jianshe", Role.REPORTER, ["区建设局"])


@pytest.fixture
def co_user(make_user, towns):
    return make_user("fushan", Role.REPORTER, ["府山街道"])


@pytest.fixture
def other_user(make_user, towns):
    return make_user("beihai", Role.REPORTER, ["北海街道"])


@pytest.fixture
def assign(admin_user, towns, jianshe):
    """Assign an item through the service: 区建设局 leads, 府山街道 co-responsible."""

    def assign(
        title="两周内完成某小区加装电梯矛盾调处",
        units=None,
        assigned_on=TODAY,
        deadline=date(2026, 6, 15),
        now=NOW,
        user=None,
        **extra,
    ):
        data = ItemData(
            source=extra.pop("source", "meeting"),
            title=title,
            units=units if units is not None else [jianshe, towns[0]],
            assigned_on=assigned_on,
            deadline=deadline,
            text=extra.pop("text", "工作例会交办。"),
        )
        return item_assign(user=user or admin_user, data=data, now=now, **extra)

    return assign
