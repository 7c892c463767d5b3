"""The register's pages: scoped reads and writes, filters, export, query budget."""

import re
from datetime import date
from io import BytesIO
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from hazards.models import HazardCase
from indicators.models import PlanSettings
from tests.reporting.test_evidence import PDF

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_town_sees_only_its_cases_and_counts(client, add_case, fushan_user, towns):
    add_case(address="仓桥直街1号")
    add_case(town=towns[1], address="北海路9号")
    client.force_login(fushan_user)
    page = client.get("/hazards/").content.decode()
    assert "仓桥直街1号" in page and "北海路9号" not in page
    assert "北海街道" not in page.split("各镇街危房状态")[1].split("危房清单")[0]


def test_officials_see_every_town(official_client, add_case, towns):
    add_case(address="仓桥直街1号")
    add_case(town=towns[1], address="北海路9号")
    page = official_client.get("/hazards/").content.decode()
    assert "仓桥直街1号" in page and "北海路9号" in page
    assert "登记危房" not in page


def test_filters_narrow_the_list_and_a_bad_filter_is_a_400(official_client, add_case):
    add_case(address="甲", found_on=date(2024, 1, 10))  # appraisal overdue
    add_case(address="乙", found_on=date(2024, 6, 1))  # awaiting appraisal
    page = official_client.get("/hazards/?state=appraisal_overdue").content.decode()
    assert ">甲<" in page and ">乙<" not in page
    assert official_client.get("/hazards/?state=nonsense").status_code == 400
    assert official_client.get("/hazards/?town=²").status_code == 400


def test_another_towns_case_is_hidden_and_cannot_be_edited(
    client, add_case, fushan_user, towns
):
    theirs = add_case(town=towns[1], address="北海路9号")
    client.force_login(fushan_user)
    assert client.get(f"/hazards/{theirs.pk}/").status_code == 404
    assert client.get(f"/hazards/{theirs.pk}/edit/").status_code == 403
    response = client.post(
        f"/hazards/{theirs.pk}/edit/",
        {
            "town": towns[0].pk,
            "address": "抢来",
            "kind": "urban",
            "found_on": "2024-01-01",
        },
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.address == "北海路9号"


def test_a_town_enters_a_case_and_sees_its_timeline(client, fushan_user, towns):
    client.force_login(fushan_user)
    form = {"town": towns[0].pk, "address": "仓桥直街5号", "kind": "urban",
            "found_on": "2024-06-01", "version": ""}  # fmt: skip
    response = client.post("/hazards/new/", form)
    case = HazardCase.objects.get()
    assert response.status_code == 302 and response.url == f"/hazards/{case.pk}/"
    form.update(appraised_on="2024-06-10", grade="D", version=1)
    client.post(f"/hazards/{case.pk}/edit/", form)
    page = client.get(f"/hazards/{case.pk}/").content.decode()
    assert "D级未撤离" in page and "已逾期5天" in page
    assert "鉴定等级：— → D级" in page
    # An edit posted without the version it was drawn from is refused.
    form.update(evacuated_on="2024-06-12", version="")
    page = client.post(f"/hazards/{case.pk}/edit/", form).content.decode()
    assert "缺少版本号" in page
    case.refresh_from_db()
    assert case.evacuated_on is None and case.version == 2


def test_an_invalid_form_shows_the_error_in_chinese_and_saves_nothing(
    client, fushan_user, towns
):
    client.force_login(fushan_user)
    response = client.post(
        "/hazards/new/",
        {"town": towns[0].pk, "address": "仓桥直街5号", "kind": "urban",
         "found_on": "2024-06-01", "appraised_on": "2024-06-02", "grade": "C",
         "evacuated_on": "2024-06-03"},
    )  # fmt: skip
    assert "只有鉴定为D级的危房才填写撤离日期。" in response.content.decode()
    assert not HazardCase.objects.exists()


def test_every_error_shows_at_once_with_a_summary_linking_to_each_field(
    client, fushan_user, towns
):
    client.force_login(fushan_user)
    # A missing address (refused by the form) and a rule of the service (an
    # evacuation date for a C-grade building): both on the first submit.
    response = client.post(
        "/hazards/new/",
        {"town": towns[0].pk, "address": "", "kind": "urban",
         "found_on": "2024-06-01", "appraised_on": "2024-06-02", "grade": "C",
         "evacuated_on": "2024-06-03", "remedied_on": "2024-06-30"},
    )  # fmt: skip
    page = response.content.decode()
    opening, summary = re.search(
        r'(<div class="error-summary"[^>]*>)(.*?)</div>', page, re.S
    ).groups()
    assert 'role="alert"' in opening and "data-focus-on-load" in opening
    expected = {
        "address": "请填写地址。",
        "evacuated_on": "只有鉴定为D级的危房才填写撤离日期。",
        "remedied_on": "整治完成日期2024-06-30晚于今天，不能预填。",
        "remedy": "填写整治完成日期时须选择整治方式。",
    }
    for field, message in expected.items():
        assert f'<a href="#id_{field}">{message}</a>' in summary
        # Beside its field too, as a block the input points to, not over it.
        assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}' in page
        assert f'aria-describedby="id_{field}_error"' in page
    # Each line names its field once: no label put before a message naming it.
    assert "地址：" not in summary and summary.count("撤离日期") == 1
    assert not HazardCase.objects.exists()


def test_a_date_the_form_cannot_read_names_its_field(client, fushan_user, towns):
    client.force_login(fushan_user)
    page = client.post(
        "/hazards/new/",
        {"town": towns[0].pk, "address": "仓桥直街5号", "kind": "urban",
         "found_on": "abc"},
    ).content.decode()  # fmt: skip
    assert '<a href="#id_found_on">发现日期：' in page
    assert not HazardCase.objects.exists()


def test_a_duplicate_address_asks_for_confirmation_showing_the_case(
    client, add_case, fushan_user, towns
):
    first = add_case(address="仓桥直街5号")
    client.force_login(fushan_user)
    form = {"town": towns[0].pk, "address": "仓桥直街5号", "kind": "urban",
            "found_on": "2024-06-01"}  # fmt: skip
    page = client.post("/hazards/new/", form).content.decode()
    assert f"编号{first.pk}" in page and HazardCase.objects.count() == 1
    client.post("/hazards/new/", {**form, "confirm": "on"})
    assert HazardCase.objects.count() == 2


def test_the_export_is_an_xlsx_with_a_chinese_name(official_client, add_case):
    add_case(address="=HYPERLINK(1)")
    response = official_client.get("/hazards/?format=xlsx")
    assert quote("越城区危房台账-2024-06-15.xlsx") in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    values = [c.value for c in sheet[4]]
    # Written as the text it is: no formula, and no apostrophe added to it.
    assert values[2] == "=HYPERLINK(1)" and sheet[4][2].data_type == "s"
    assert values[12] == "鉴定逾期"


def test_the_list_costs_the_same_queries_for_few_and_many_cases(
    official_client, add_case, towns
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert official_client.get("/hazards/").status_code == 200
        return len(context)

    add_case(address="一号")
    official_client.get("/hazards/")
    few = queries()
    for n in range(60):
        add_case(
            town=towns[n % 3], address=f"路{n}号", kind="rural", hardship=n % 2 == 0
        )
    assert queries() == few <= 8


def test_a_case_keeps_its_evidence_and_only_its_readers_download_it(
    client, fushan_user, beihai_user, towns, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(fushan_user)
    report = SimpleUploadedFile("鉴定报告.pdf", PDF, content_type="application/pdf")
    client.post(
        "/hazards/new/",
        {"town": towns[0].pk, "address": "仓桥直街7号", "kind": "urban",
         "found_on": "2024-06-01", "evidence": report},
    )  # fmt: skip
    evidence = HazardCase.objects.get().evidence.get()
    response = client.get(f"/hazards/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    client.force_login(beihai_user)
    assert client.get(f"/hazards/evidence/{evidence.pk}/").status_code == 404


def test_a_refused_file_saves_no_case(client, fushan_user, towns, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(fushan_user)
    page = client.post(
        "/hazards/new/",
        {"town": towns[0].pk, "address": "仓桥直街8号", "kind": "urban",
         "found_on": "2024-06-01",
         "evidence": SimpleUploadedFile("x.pdf", b"MZ\x90\x00not a pdf")},
    ).content.decode()  # fmt: skip
    assert "不是允许的类型" in page
    assert not HazardCase.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_the_pages_write_the_admins_periods(official_client, add_case):
    settings_row = PlanSettings.load()
    settings_row.hazard_rural_remedy_months = 3
    settings_row.save()
    case = add_case(address="东浦村1号", kind="rural", found_on=date(2024, 3, 1),
                    appraised_on=date(2024, 3, 5), grade="C")  # fmt: skip
    page = official_client.get(f"/hazards/{case.pk}/").content.decode()
    assert "农村危房：发现后1个月内鉴定，3个月内整治" in page
    assert "整治逾期" in page and "2024年6月1日，<span" in page
