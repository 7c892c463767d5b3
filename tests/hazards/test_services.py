"""Every write goes through hazards.services: checked, scoped, audited, atomic."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hazards.models import HazardCase
from hazards.services import CaseData, hazard_case_review, hazard_case_save
from units.models import Unit
from units.roles import Role
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation

from .conftest import NOW

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def test_a_town_enters_its_own_case_with_history(add_case, fushan_user, towns):
    case = add_case(user=fushan_user, address="仓桥直街2号")
    assert case.town == towns[0]
    assert case.updated_by == fushan_user
    record = case.history.get()
    assert (record.history_user, record.history_type) == (fushan_user, "+")


def test_it_refuses_a_remedy_dated_before_the_appraisal(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(
            appraised_on=date(2024, 3, 1), grade="C", remedy="reinforce",
            remedied_on=date(2024, 2, 1),
        )  # fmt: skip
    assert (
        "整治完成日期不能早于鉴定日期（2024-03-01）。"
        in messages(e.value)["remedied_on"]
    )
    assert not HazardCase.objects.exists()


def test_it_refuses_an_evacuation_without_a_d_grade(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(
            appraised_on=date(2024, 3, 1), grade="C", evacuated_on=date(2024, 3, 1)
        )
    assert messages(e.value)["evacuated_on"] == ["只有鉴定为D级的危房才填写撤离日期。"]


def test_it_refuses_dates_in_the_future(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(found_on=date(2024, 6, 16))
    assert messages(e.value)["found_on"] == ["发现日期2024-06-16晚于今天，不能预填。"]


def test_it_refuses_hardship_on_a_towns_building_and_relief_without_hardship(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(kind="urban", hardship=True, relief_granted_on=date(2024, 2, 1))
    assert set(messages(e.value)) == {"hardship"}
    with pytest.raises(ValidationError) as e:
        add_case(kind="rural", relief_granted_on=date(2024, 2, 1))
    assert "relief_granted_on" in messages(e.value)


def test_a_remedy_needs_its_kind_and_a_dangerous_grade(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(appraised_on=date(2024, 2, 1), grade="B", remedied_on=date(2024, 3, 1))
    errors = messages(e.value)
    assert errors["remedy"] == ["填写整治完成日期时须选择整治方式。"]
    assert "鉴定为B级的房屋不是危房" in errors["remedied_on"][0]


def test_it_refuses_another_towns_case_whatever_id_is_sent(
    add_case, fushan_user, beihai_user, towns
):
    theirs = add_case(town=towns[1], user=beihai_user, address="北海路1号")
    data = CaseData(
        town=towns[0], address="改成我的", kind="urban", found_on=date(2024, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        hazard_case_save(user=fushan_user, data=data, case_id=theirs.pk, now=NOW)
    data.town = towns[1]
    with pytest.raises(PermissionDenied):
        hazard_case_save(user=fushan_user, data=data, now=NOW)
    theirs.refresh_from_db()
    assert theirs.address == "北海路1号" and HazardCase.objects.count() == 1


def test_an_address_open_in_the_same_town_needs_confirmation(add_case, towns):
    first = add_case(address="仓桥直街 3号")
    with pytest.raises(NeedsConfirmation) as e:
        add_case(address="仓桥直街３号", confirmed=False)
    assert f"编号{first.pk}“仓桥直街 3号”（2024-01-10发现）" in e.value.warnings[0]
    assert HazardCase.objects.count() == 1
    add_case(address="仓桥直街３号", confirmed=True)
    # Another town may have a street of the same name.
    add_case(town=towns[1], address="仓桥直街 3号", confirmed=False)
    assert HazardCase.objects.count() == 3


def test_a_stale_version_is_refused(add_case, admin_user):
    case = add_case()
    data = CaseData(
        town=case.town, address="新地址", kind="urban", found_on=case.found_on
    )
    hazard_case_save(
        user=admin_user, data=data, case_id=case.pk, expected_version=1, now=NOW
    )
    with pytest.raises(Conflict):
        hazard_case_save(
            user=admin_user, data=data, case_id=case.pk, expected_version=1, now=NOW
        )


def test_an_unchanged_save_writes_no_history(add_case, admin_user):
    case = add_case()
    data = CaseData(
        town=case.town, address=case.address, kind=case.kind, found_on=case.found_on
    )
    hazard_case_save(user=admin_user, data=data, case_id=case.pk, now=NOW)
    assert case.history.count() == 1


def test_officials_and_other_departments_cannot_write(add_case, make_user, towns):
    official = make_user("leader", Role.OFFICIAL)
    data = CaseData(town=towns[0], address="x", kind="urban", found_on=date(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        hazard_case_save(user=official, data=data, now=NOW)
    jianshe = make_user("jianshe", Role.REPORTER, ["区建设局"])
    with pytest.raises(PermissionDenied):
        hazard_case_save(user=jianshe, data=data, now=NOW)


def test_a_supervisor_reviews_only_its_part(add_case, make_user, towns):
    urban = add_case()
    rural = add_case(address="东浦村1号", kind="rural", hardship=True)
    jianshe = make_user("jianshe", Role.REPORTER, ["区建设局"])
    minzheng = make_user("minzheng", Role.REPORTER, ["区民政局"])
    reviewed = hazard_case_review(
        user=jianshe, case_id=urban.pk, comment="已核", now=NOW
    )
    assert (reviewed.reviewed_by, reviewed.review_comment) == (jianshe, "已核")
    with pytest.raises(PermissionDenied):
        hazard_case_review(user=jianshe, case_id=rural.pk, comment="x", now=NOW)
    hazard_case_review(user=minzheng, case_id=rural.pk, comment="救助已核", now=NOW)
    with pytest.raises(PermissionDenied):
        hazard_case_review(user=minzheng, case_id=urban.pk, comment="x", now=NOW)


def test_the_town_must_be_a_town(add_case, admin_user):
    department = Unit.objects.get(name="区建设局")
    data = CaseData(
        town=department, address="x", kind="urban", found_on=date(2024, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        hazard_case_save(user=admin_user, data=data, now=NOW)


def test_resolve_is_an_outcome_not_a_remedy(add_case):
    with pytest.raises(ValidationError) as e:
        add_case(
            appraised_on=date(2024, 2, 1), grade="C", remedy="resolve",
            remedied_on=date(2024, 3, 1),
        )  # fmt: skip
    assert "解危是整治的结果，不是整治方式" in messages(e.value)["remedy"][0]
    assert "解危" not in dict(HazardCase.Remedy.choices).values()
    case = add_case(
        appraised_on=date(2024, 2, 1), grade="C", remedy="demolish",
        remedied_on=date(2024, 3, 1),
    )  # fmt: skip
    assert case.get_remedy_display() == "拆除"
