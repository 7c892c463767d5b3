"""Targets split by town: a town is judged on its own figures against its own
share, and left out where no split exists — never the district's status."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dashboard.ranking import load_year, score_unit, unit_ranking, unit_verdicts
from indicators.models import Indicator, Target, TargetSplit
from indicators.services import target_revise, target_split_save
from indicators.status import MET, NOT_MET
from tests.conftest import during
from units.models import Unit

RENOVATIONS = 4  # 老旧小区累计改造个数, summed over the towns; 2023 target 150


def split(town: Unit, value: str, admin_user, *, year=2023, start=None, code=4):
    return target_split_save(
        indicator=Indicator.objects.get(code=code),
        unit=town,
        year=year,
        value=Decimal(value),
        start=None if start is None else Decimal(start),
        user=admin_user,
        reason="按年度计划分解到镇街",
    )


def test_a_town_without_a_split_has_no_indicator_part(towns, record):
    record("府山街道", RENOVATIONS, "2023-12", "60")
    score = score_unit(load_year(2023), towns[0], date(2024, 1, 5))
    assert score.parts["indicators"] is None and "indicators" not in score.detail


def test_each_town_is_judged_on_its_own_share(towns, admin_user, record):
    split(towns[0], "60", admin_user)
    split(towns[1], "50", admin_user)
    record("府山街道", RENOVATIONS, "2023-12", "60")
    record("北海街道", RENOVATIONS, "2023-12", "30")
    data = load_year(2023)
    year_end = date(2024, 1, 5)
    met = unit_verdicts(data, towns[0], year_end)
    missed = unit_verdicts(data, towns[1], year_end)
    assert [v.progress.status for v in met] == [MET]
    assert [v.progress.status for v in missed] == [NOT_MET]
    assert missed[0].progress.target == Decimal(50)
    # 塔山街道 has no share: its part is left out, not the district's status.
    assert unit_verdicts(data, towns[2], year_end) == []
    ranking = unit_ranking(year=2023, today=date(2024, 3, 1))
    detail = {s.unit.name: s.detail.get("indicators") for s in ranking.ranked}
    assert detail["府山街道"] == "1/1" and detail["北海街道"] == "0/1"


@during(2024, 7, 10)
def test_a_town_starts_the_year_from_its_own_december(towns, admin_user, record):
    split(towns[0], "60", admin_user)
    split(towns[0], "80", admin_user, year=2024)
    record("府山街道", RENOVATIONS, "2023-12", "60")
    record("府山街道", RENOVATIONS, "2024-06", "62")
    (verdict,) = unit_verdicts(load_year(2024), towns[0], date(2024, 7, 10))
    progress = verdict.progress
    assert (progress.start, progress.start_source) == (Decimal(60), "2023年12月实际数")
    # Half the year, 2 of the 20 to do: far behind its own line (70 by June).
    assert progress.status == "behind"


def test_a_given_start_is_used_where_there_is_no_december(towns, admin_user, record):
    split(towns[0], "60", admin_user, start="40")
    record("府山街道", RENOVATIONS, "2023-06", "50")
    with during(2023, 7, 10):
        (verdict,) = unit_verdicts(load_year(2023), towns[0], date(2023, 7, 10))
    assert (verdict.progress.start, verdict.progress.start_source) == (
        Decimal(40),
        "起点值",
    )
    # The district's 2022 baseline is never the town's start.
    Indicator.objects.filter(code=RENOVATIONS).update(baseline=Decimal(100))
    split(towns[1], "50", admin_user)
    record("北海街道", RENOVATIONS, "2023-06", "20")
    with during(2023, 7, 10):
        (verdict,) = unit_verdicts(load_year(2023), towns[1], date(2023, 7, 10))
    assert verdict.progress.start is None and verdict.progress.status == "unjudged"


@pytest.mark.parametrize(
    ("unit_name", "value", "kwargs", "message"),
    [
        ("府山街道", "1", {"code": 1}, "由牵头单位报全区数，不能按单位分解"),
        ("区建设局", "10", {}, "“区建设局”不分报"),
        ("府山街道", "151", {}, "各单位分解目标合计151，超过全区2023年目标150"),
        ("府山街道", "60", {"start": "70"}, "起点值70高于分解目标60"),
        ("府山街道", "2.5", {}, "分解目标最多保留0位小数"),
        ("府山街道", "-1", {}, "分解目标不能为负数"),
    ],
)
def test_a_split_that_cannot_be_right_is_refused(
    towns, admin_user, unit_name, value, kwargs, message
):
    with pytest.raises(ValidationError, match=message):
        split(Unit.objects.get(name=unit_name), value, admin_user, **kwargs)
    assert not TargetSplit.objects.exists()


def test_shares_add_up_within_the_district_target(towns, admin_user):
    split(towns[0], "100", admin_user)
    with pytest.raises(ValidationError, match="合计151，超过全区2023年目标150"):
        split(towns[1], "51", admin_user)
    split(towns[0], "99", admin_user)  # revising a share counts it once
    split(towns[1], "51", admin_user)
    target = Target.objects.get(indicator__code=RENOVATIONS, year=2023)
    with pytest.raises(ValidationError, match="不能低于该合计"):
        target_revise(
            target=target,
            comparator=target.comparator,
            value=Decimal(140),
            user=admin_user,
            reason="政策评估后下调",
        )
    share = TargetSplit.objects.get(unit=towns[0])
    assert share.history.first().history_change_reason == "按年度计划分解到镇街"


def test_the_admin_splits_through_the_service(client, towns, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    form = {
        "indicator": Indicator.objects.get(code=RENOVATIONS).pk,
        "unit": towns[0].pk,
        "year": 2023,
        "value": "151",
        "start": "",
        "reason": "按计划分解",
    }
    page = client.post("/admin/indicators/targetsplit/add/", form)
    assert "超过全区2023年目标150" in page.content.decode()
    assert (
        client.post(
            "/admin/indicators/targetsplit/add/", form | {"value": "60"}
        ).status_code
        == 302
    )
    share = TargetSplit.objects.get()
    assert share.value == 60 and share.history.first().history_user == admin_user
