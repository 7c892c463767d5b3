from datetime import date

import pytest

from projects.demo_scale import PER_TOWN_YEAR, scale_projects_write
from projects.kinds import KINDS
from projects.models import LedgerYear, Project, ProjectStage
from projects.selectors import late_stages
from projects.services import ProjectData, StageDates, project_data_check
from units.models import Unit

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


@pytest.fixture
def scale_towns(plan, admin_user):
    group = Unit.objects.get(name="各镇街")
    return [
        Unit.objects.create(
            name=f"演示镇街{n:05d}", kind=Unit.Kind.TOWN, parent=group, position=90 + n
        )
        for n in range(2)
    ]


def test_each_scale_town_gets_its_ledgers_in_order_and_once(scale_towns, admin_user):
    written = scale_projects_write(user=admin_user, today=TODAY)

    per_town = 5 * sum(PER_TOWN_YEAR.values())
    assert written == 2 * per_town == 200
    assert Project.objects.filter(town=scale_towns[1]).count() == per_town
    assert scale_projects_write(user=admin_user, today=TODAY) == 0
    # The 1× demo's rule: no ledger is switched on to drive its indicator.
    assert not LedgerYear.objects.exists()

    stages: dict[int, dict[str, StageDates]] = {}
    for s in ProjectStage.objects.all():
        stages.setdefault(s.project_id, {})[s.stage] = StageDates(
            s.planned_on, s.reached_on
        )
    for project in Project.objects.all():
        kind = KINDS[project.kind]
        data = ProjectData(
            kind=project.kind, name=project.name, town=project.town,
            year=project.year, quantity=project.quantity,
            households=project.households, buildings=project.buildings,
            raising=project.raising, setting=project.setting,
            award_level=project.award_level,
            planned_investment=project.planned_investment,
            spent_investment=project.spent_investment,
            stages=stages[project.pk],
        )  # fmt: skip
        # What the service would accept: stages in order, none after today.
        project_data_check(data=data, today=TODAY)
        counting = stages[project.pk][kind.counts_at].reached_on
        assert project.counted_on == counting
        assert project.spent_investment <= project.planned_investment

    counted = Project.objects.filter(counted_on__isnull=False)
    assert 0 < counted.count() < written
    assert Project.objects.filter(year=2027, counted_on__isnull=True).count() == 40
    behind = late_stages(TODAY).values("project").distinct().count()
    assert 0.05 * written < behind < 0.5 * written
