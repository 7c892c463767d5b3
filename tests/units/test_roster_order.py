"""Units listed in the roster's order everywhere: 附件1's units (and groups) in
its order, then the towns, then the platform companies."""

import re

import pytest

from units.models import Unit
from units.selectors import roster_order, unit_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(towns):
    group = Unit.objects.get(name="各平台公司")
    # Position 1 in its group, as 府山街道 is in its: must not sort among them.
    return Unit.objects.create(
        name="越城城投", kind=Unit.Kind.COMPANY, parent=group, position=1
    )


def _is_roster_order(names: list[str]) -> None:
    units = {u.name: u for u in Unit.objects.select_related("parent")}
    kinds = [units[n].parent.name if units[n].parent else "附件1" for n in names]
    # 附件1's block, then 各镇街's members, then 各平台公司's: never interleaved.
    blocks = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert blocks == ["附件1", "各镇街", "各平台公司"], blocks
    top = [units[n].position for n in names if units[n].parent is None]
    assert top == sorted(top)


def test_the_selector_the_model_and_the_sort_key_agree(towns, company):
    expected = [u.name for u in sorted(Unit.objects.select_related("parent"),
                                       key=roster_order)]  # fmt: skip
    assert [u.name for u in unit_list()] == expected
    assert [u.name for u in Unit.objects.all()] == expected
    _is_roster_order(expected)


def test_the_api_lists_units_in_roster_order(official_client, towns, company):
    data = official_client.get("/api/v1/units/?page_size=200").json()
    rows = data["results"] if isinstance(data, dict) else data
    names = [row["name"] for row in rows]
    _is_roster_order(names)


def test_the_admins_unit_list_and_its_selects_are_in_roster_order(
    client, admin_user, towns, company
):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get("/admin/units/unit/?o=").content.decode()
    listed = re.findall(r'<th class="field-name"><a href="[^"]+">([^<]+)</a>', page)
    _is_roster_order(listed)
    # The MonthlyReport list's 单位 filter and any unit select read the same order.
    reports = client.get("/admin/reporting/monthlyreport/").content.decode()
    filtered = re.findall(r"unit__id__exact=\d+[^>]*>([^<]+)</a>", reports)
    _is_roster_order(filtered)
