"""The form, the API and the Excel import read and judge a number the same way."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from indicators.models import Indicator
from reporting.models import IndicatorValue
from reporting.returns_import import return_import
from reporting.services import indicator_value_save
from units.models import Unit
from units.roles import Role

from ..conftest import form_versions

pytestmark = pytest.mark.django_db


def via_form(client, typed: str, note: str) -> str:
    response = client.post(
        "/report/",
        {
            **form_versions(client, "/report/?period=2023-06"),
            "period": "2023-06",
            "action": "save",
            "ind2-value": typed,
            "ind2-note": note,
        },
    )
    return response.content.decode() if response.status_code == 200 else ""


def via_api(client, typed: str, note: str) -> str:
    # Machine clients send JSON numbers; text that is not a plain number goes as text.
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", typed):
        typed = json.loads(typed)
    response = client.post(
        "/api/v1/progress/",
        {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": typed,
         "note": note},
        content_type="application/json",
    )  # fmt: skip
    return response.content.decode() if response.status_code >= 400 else ""


def via_import(user, typed: str, note: str) -> str:
    book = Workbook()
    book.active.append(["指标编号", "填报单位", "期间", "本期数值", "说明"])
    book.active.append([2, "区建设局", "2023-06", typed, note])
    buffer = io.BytesIO()
    book.save(buffer)
    result, _ = return_import(
        data=buffer.getvalue(), name="r.xlsx", user=user, commit=True
    )
    return "\n".join(result.errors)


@pytest.fixture(params=["form", "api", "import"])
def send(request, client, make_user, plan):
    user = make_user("jianshe", Role.REPORTER, ["区建设局"])
    client.force_login(user)
    if request.param == "form":
        return lambda typed, note="": via_form(client, typed, note)
    if request.param == "api":
        return lambda typed, note="": via_api(client, typed, note)
    admin = make_user("coordinator", Role.ADMIN, ["区建设局"])
    return lambda typed, note="": via_import(admin, typed, note)


@pytest.mark.parametrize("send", ["form", "import"], indirect=True)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1.4475万", "1.4475"), ("１．４４７５", "1.4475"), ("1.6", "1.6")],
)
def test_the_same_typing_stores_the_same_value(send, typed, stored):
    assert send(typed) == ""
    assert IndicatorValue.objects.get().value == Decimal(stored)


@pytest.mark.parametrize("send", ["api"], indirect=True)
def test_the_api_takes_numbers_and_refuses_text(send):
    assert "应为 JSON 数值" in send("1.4475万")
    assert send("1.4475") == ""
    assert IndicatorValue.objects.get().value == Decimal("1.4475")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("14475", "请检查计量单位"),  # 套 typed in a 万套 cell
        ("99999999999", "数值过大"),
        ("-1", "不能为负数"),
        ("abc", "不是数字"),
        ("1.23456", "最多保留4位小数"),
    ],
)
def test_the_same_mistake_is_refused_the_same_way(send, typed, message):
    assert message in send(typed)
    assert not IndicatorValue.objects.exists()


def test_a_note_keeps_one_kind_of_line_break(send):
    assert send("1.6", "第一行\r\n第二行") == ""
    assert IndicatorValue.objects.get().note == "第一行\n第二行"


@pytest.fixture
def may_value(plan, make_user):
    admin = make_user("coordinator", Role.ADMIN, ["区建设局"])
    indicator_value_save(
        user=admin, unit=Unit.objects.get(name="区建设局"),
        indicator=Indicator.objects.get(code=2), period=date(2023, 5, 1),
        value=Decimal("1.6"),
    )  # fmt: skip


def test_a_tenfold_jump_is_saved_only_once_confirmed_in_the_form(
    may_value, client, make_user
):
    client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
    form = {
        **form_versions(client, "/report/?period=2023-06"),
        "period": "2023-06",
        "action": "save",
        "ind2-value": "16",
    }
    page = client.post("/report/", form).content.decode()
    assert "是上月（1.6）的10倍以上" in page and 'name="ind2-confirm"' in page
    assert IndicatorValue.objects.count() == 1
    assert client.post("/report/", {**form, "ind2-confirm": "on"}).status_code == 302
    june = IndicatorValue.objects.get(report__period__month=6)
    assert june.value == Decimal("16") and "10倍以上" in june.warnings
    assert june.needs_review


def test_the_api_lists_the_warnings_until_confirmed(may_value, client, make_user):
    client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
    body = {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 16}
    response = client.post("/api/v1/progress/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "needs_confirmation"
    assert "10倍以上" in response.json()["errors"]["confirm"][0]
    response = client.post(
        "/api/v1/progress/", {**body, "confirm": True}, content_type="application/json"
    )
    assert response.status_code == 201


def test_the_command_line_import_asks_for_confirm(may_value, tmp_path):
    book = Workbook()
    book.active.append(["指标编号", "填报单位", "期间", "本期数值"])
    book.active.append([2, "区建设局", "2023-06", 16])
    path = tmp_path / "r.xlsx"
    book.save(path)
    out = io.StringIO()
    call_command("import_returns", str(path), "--dry-run", stdout=out)
    assert "10倍以上" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_returns", str(path), stdout=io.StringIO())
    assert IndicatorValue.objects.count() == 1
    call_command("import_returns", str(path), "--confirm", stdout=io.StringIO())
    assert IndicatorValue.objects.count() == 2


def test_a_first_write_through_the_api_can_say_nothing_was_stored_yet(
    plan, client, make_user
):
    client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
    body = {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.6,
            "version": 0}  # fmt: skip
    first = client.post("/api/v1/progress/", body, content_type="application/json")
    assert first.status_code == 201
    again = client.post(
        "/api/v1/progress/", {**body, "value": 1.7}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "stale"
    assert IndicatorValue.objects.get().value == Decimal("1.6")
