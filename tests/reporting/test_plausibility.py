"""Plausibility by the kind of figure, one rule for the form, the API and the import."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from indicators.models import Indicator
from reporting.models import IndicatorValue
from reporting.plausibility import cumulative_decrease, value_warnings
from reporting.returns_import import return_import
from units.roles import Role

from ..conftest import form_versions

LEVEL = Indicator(code=14, name="城镇人均住房建筑面积", unit="平方米", kind="level")
RATE = Indicator(code=5, name="住宅小区专业物业服务覆盖率", unit="%", kind="rate")
COUNT = Indicator(code=2, name="保障性租赁住房累计建设筹集套数", unit="万套（间）",
                  kind="cumulative")  # fmt: skip


def warnings(indicator, previous, value, target=None) -> list[str]:
    return value_warnings(
        indicator=indicator,
        value=Decimal(value),
        previous=None if previous is None else Decimal(previous),
        target=None if target is None else Decimal(target),
    )


@pytest.mark.parametrize(
    ("previous", "value", "asks"),
    [
        ("36.82", "3.7", "比上月（36.82）减少90%"),  # 9.95 times: under tenfold
        ("36.82", "44.3", "比上月（36.82）增加20.3%"),
        ("36.82", "368.2", "是上月（36.82）的10倍以上"),
        ("36.82", "3.68", "不到上月（36.82）的十分之一"),
        ("30", "36", None),  # a fifth exactly is still plausible
        ("36.82", "29.46", None),
        ("36.82", "37.1", None),
        (None, "3.7", None),  # nothing to compare with
    ],
)
def test_a_level_that_moves_more_than_a_fifth_in_a_month_asks(previous, value, asks):
    found = warnings(LEVEL, previous, value)
    if asks is None:
        assert found == []
    else:
        (warning,) = found
        assert asks in warning and "请核对计量单位（平方米）和小数点" in warning


@pytest.mark.parametrize(
    ("previous", "value", "asks"),
    [
        ("85", "74.9", "比上月（85%）减少10.1个百分点"),
        ("30", "41", "比上月（30%）增加11个百分点"),
        ("0", "60", "比上月（0%）增加60个百分点"),
        ("85", "75", None),
        ("85", "95", None),
        ("85", "87.5", None),
    ],
)
def test_a_rate_that_moves_more_than_ten_points_in_a_month_asks(previous, value, asks):
    found = warnings(RATE, previous, value)
    assert found == ([] if asks is None else [found[0]])
    if asks:
        assert asks in found[0]


def test_a_count_asks_when_it_rises_tenfold_and_needs_a_reason_to_fall_at_all():
    assert "是上月（1.6）的10倍以上" in warnings(COUNT, "1.6", "16")[0]
    assert warnings(COUNT, "1.2", "2.9") == []  # counts may grow fast
    # A fall is one rule, with a reason, not a second warning to tick as well.
    assert warnings(COUNT, "1.6", "0.1") == []
    assert cumulative_decrease(
        indicator=COUNT, value=Decimal("1.5999"), previous=Decimal("1.6")
    ) == "累计数低于上月（1.6）"  # fmt: skip
    assert not cumulative_decrease(
        indicator=COUNT, value=Decimal("1.6"), previous=Decimal("1.6")
    )
    assert not cumulative_decrease(
        indicator=LEVEL, value=Decimal("3.7"), previous=Decimal("36.82")
    )


def test_the_older_warnings_still_apply():
    assert "是否应为百分数" in warnings(RATE, "85", "0.85")[-1]
    assert "超过本年目标（1.4475）的两倍" in warnings(COUNT, None, "3", "1.4475")[0]


# The same figure through each way in: the form, the API and the import.


def via_form(client, code: int, typed: str, confirm: bool = False) -> str:
    data = {
        **form_versions(client, "/report/?period=2023-06"),
        "period": "2023-06",
        "action": "save",
        f"ind{code}-value": typed,
    }
    if confirm:
        data[f"ind{code}-confirm"] = "on"
    response = client.post("/report/", data)
    if response.status_code == 302:
        return ""
    page = response.content.decode()
    assert f'name="ind{code}-confirm"' in page  # the box to tick is there
    return page


def via_api(client, code: int, typed: str, confirm: bool = False) -> str:
    response = client.post(
        "/api/v1/progress/",
        {"indicator": code, "unit": "区建设局", "period": "2023-06",
         "value": float(typed), "confirm": confirm},
        content_type="application/json",
    )  # fmt: skip
    if response.status_code == 201:
        return ""
    assert response.json()["code"] == "needs_confirmation"
    return "\n".join(response.json()["errors"]["confirm"])


def via_import(user, code: int, typed: str, confirm: bool = False) -> str:
    book = Workbook()
    book.active.append(["指标编号", "填报单位", "期间", "本期数值"])
    book.active.append([code, "区建设局", "2023-06", Decimal(typed)])
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    preview, _ = return_import(data=content, name="r.xlsx", user=user, commit=False)
    shown = "\n".join(w for c in preview.changes for w in c.warnings)
    result, _ = return_import(
        data=content, name="r.xlsx", user=user, commit=True, confirm=confirm
    )
    if not result.errors:
        return ""
    assert "--confirm" in result.errors[0]
    assert shown and shown in result.errors[0]  # the preview showed the same
    return "\n".join(result.errors)


@pytest.fixture(params=["form", "api", "import"])
def send(request, client, make_user, plan):
    user = make_user("jianshe", Role.REPORTER, ["区建设局"])
    client.force_login(user)
    if request.param == "form":
        return lambda *args, **kw: via_form(client, *args, **kw)
    if request.param == "api":
        return lambda *args, **kw: via_api(client, *args, **kw)
    admin = make_user("coordinator", Role.ADMIN, ["区建设局"])
    return lambda *args, **kw: via_import(admin, *args, **kw)


def june(code: int) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(
        indicator__code=code, report__period__month=6
    ).first()


@pytest.mark.django_db
def test_a_fall_of_floor_area_per_person_to_a_tenth_asks_everywhere(send, record):
    record("区建设局", 14, "2023-05", "36.82", status="draft")
    assert "比上月（36.82）减少90%" in send(14, "3.7")
    assert june(14) is None
    assert send(14, "3.7", confirm=True) == ""
    stored = june(14)
    assert stored.value == Decimal("3.7") and stored.needs_review
    assert "减少90%" in stored.warnings


@pytest.mark.django_db
def test_a_rate_moving_too_far_asks_everywhere(send, record):
    record("区建设局", 5, "2023-05", "85", status="draft")
    assert "比上月（85%）减少25个百分点" in send(5, "60")
    assert june(5) is None
    assert send(5, "80") == ""  # five points: no question


@pytest.mark.django_db
def test_the_form_the_api_and_the_import_ask_the_one_function(
    send, record, monkeypatch
):
    record("区建设局", 14, "2023-05", "36.82", status="draft")
    monkeypatch.setattr(
        "reporting.services.value_warnings", lambda **kwargs: ["规则只有一处"]
    )
    assert "规则只有一处" in send(14, "36.9")
