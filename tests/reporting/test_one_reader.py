"""The form, the API and the Excel import read and judge a number the same way."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from reporting.models import IndicatorValue
from reporting.returns_import import return_import
from units.roles import Role

pytestmark = pytest.mark.django_db


def via_form(client, typed: str, note: str) -> str:
    response = client.post(
        "/report/",
        {"period": "2023-06", "action": "save", "ind2-value": typed, "ind2-note": note},
    )
    return response.content.decode() if response.status_code == 200 else ""


def via_api(client, typed: str, note: str) -> str:
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


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1.4475万", "1.4475"), ("１．４４７５", "1.4475"), ("1.6", "1.6")],
)
def test_the_same_typing_stores_the_same_value(send, typed, stored):
    assert send(typed) == ""
    assert IndicatorValue.objects.get().value == Decimal(stored)


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
