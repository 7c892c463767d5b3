import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment.models import Scheme
from assessment.selectors import assessment_table
from units.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_schemes_are_set_for_each_year_so_far_and_score_the_units(
    plan, make_user, settings
):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="demo_data"):
        call_command("demo_assessment", stdout=io.StringIO())
    make_user("demo-data", Role.ADMIN)
    call_command("demo_assessment", stdout=io.StringIO())
    # The suite's clock is in 2026: 2023–2026, both lists, weights adding to 100.
    schemes = Scheme.objects.all()
    assert {(s.year, s.list_kind) for s in schemes} == {
        (year, kind) for year in range(2023, 2027) for kind in ("departments", "towns")
    }
    table = assessment_table(year=2023)
    assert not table.missing_schemes
    assert any(r["total"] is not None for r in table.snapshot["rows"])
    out = io.StringIO()
    call_command("demo_assessment", stdout=out)
    assert "已有考核方案" in out.getvalue()
    assert Scheme.objects.count() == schemes.count()
