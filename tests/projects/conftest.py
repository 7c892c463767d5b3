from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from projects.services import ProjectData, StageDates, project_save
from units.models import Unit
from units.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 10, tzinfo=SHANGHAI)


@pytest.fixture
def fushan_user(make_user, towns):
    return make_user("fushan", Role.REPORTER, ["府山街道"])


@pytest.fixture
def beihai_user(make_user, towns):
    return make_user("beihai", Role.REPORTER, ["北海街道"])


@pytest.fixture
def add_project(towns, admin_user):
    """Enter a project through the service (as an admin unless a user is given).
    `reached` maps stage keys to the day each was reached."""

    def add(
        kind="renovation",
        name="府山街道仓桥小区",
        town="府山街道",
        year=2026,
        user=None,
        reached=None,
        planned=None,
        confirmed=True,
        now=NOW,
        **values,
    ):
        stages = {
            key: StageDates(planned_on=(planned or {}).get(key), reached_on=day)
            for key, day in (reached or {}).items()
        }
        for key, day in (planned or {}).items():
            stages.setdefault(key, StageDates(planned_on=day))
        if kind == "rental":
            values.setdefault("raising", "build")
        if kind == "future":
            values.setdefault("setting", "urban")
        if kind == "quality":
            values.setdefault("award_level", "county")
        data = ProjectData(
            kind=kind,
            name=name,
            town=Unit.objects.get(name=town),
            year=year,
            stages=stages,
            **values,
        )
        return project_save(
            user=user or admin_user, data=data, confirmed=confirmed, now=now
        )

    return add


def day(text: str) -> date:
    return date.fromisoformat(text)
