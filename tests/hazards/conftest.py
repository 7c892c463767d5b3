from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hazards.services import CaseData, hazard_case_save
from units.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every test writes as of this day unless it says otherwise.
TODAY = date(2024, 6, 15)
NOW = datetime(2024, 6, 15, 10, tzinfo=SHANGHAI)


@pytest.fixture
def fushan_user(make_user, towns):
    return make_user("fushan", Role.REPORTER, ["府山街道"])


@pytest.fixture
def beihai_user(make_user, towns):
    return make_user("beihai", Role.REPORTER, ["北海街道"])


@pytest.fixture
def add_case(towns, admin_user):
    """Enter a case through the service (as an admin unless a user is given)."""

    def add(
        town=None,
        user=None,
        now=NOW,
        confirmed=True,
        case_id=None,
        expected_version=None,
        **values,
    ):
        values.setdefault("address", "府山街道仓桥直街1号")
        values.setdefault("kind", "urban")
        values.setdefault("found_on", date(2024, 1, 10))
        data = CaseData(town=town or towns[0], **values)
        return hazard_case_save(
            user=user or admin_user, data=data, now=now, confirmed=confirmed,
            case_id=case_id, expected_version=expected_version,
        )  # fmt: skip

    return add
