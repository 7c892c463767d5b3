"""A month's 通报 issued: numbered, frozen, listed, corrected, and refused when
it may not be issued."""

import copy
import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from dashboard.notice_document import notice_content
from dashboard.ranking import monthly_notice
from dashboard.services import notice_issue, notice_replace
from documents.models import IssuedNotice
from units.roles import Role

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)  # its returns were due 5 November: closed on the 16th
HOSTILE = '=HYPERLINK("http://x")+1 @SUM(A1) <script>alert(1)</script>'


def test_an_issued_notice_is_numbered_in_its_year_and_holds_the_live_notice(
    plan, admin_user
):
    issued = notice_issue(
        period=OCTOBER, user=admin_user, foreword="请各单位对照整改。"
    )
    assert issued.label == "2026年第1期" and issued.issued_on == date(2026, 11, 16)
    live = notice_content(monthly_notice(period=OCTOBER))
    assert issued.snapshot["blocks"] == live["blocks"]
    assert issued.snapshot["figures"] == live["figures"]
    assert issued.snapshot["figures"]["summary"]["value"] == (
        monthly_notice(period=OCTOBER).summary
    )
    assert issued.snapshot["letterhead"]["recipients"] == "各责任单位"
    september = notice_issue(period=date(2026, 9, 1), user=admin_user)
    assert september.label == "2026年第2期"
    assert issued.history.count() == 1  # audited


def test_the_frozen_copy_is_unchanged_after_a_later_approval_and_the_page_says_so(
    plan, admin_user, record, client
):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    frozen = copy.deepcopy(issued.snapshot)
    docx = client_get(client, admin_user, f"/issued-notices/{issued.pk}/notice.docx")
    assert "区建设局" in _docx_text(docx)
    page = client.get(issued.get_absolute_url()).content.decode()
    assert "签发后数据没有变化" in page
    # September's return, missing when issued, arrives late and is approved.
    assert "区建设局" in frozen["figures"]["returns:missing"]["value"]
    record("区建设局", 2, "2026-09", "1.9")
    issued.refresh_from_db()
    assert issued.snapshot == frozen
    again = client.get(f"/issued-notices/{issued.pk}/notice.docx").content
    assert _docx_text(again) == _docx_text(docx)
    page = client.get(issued.get_absolute_url()).content.decode()
    assert "项数据与签发时不同" in page
    assert "迟报单位" in page  # the changed figure, with its label


def client_get(client, user, url: str) -> bytes:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _docx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("word/document.xml").decode()


def test_a_month_still_open_twice_or_by_a_non_admin_is_refused(
    plan, admin_user, make_user
):
    with pytest.raises(ValidationError) as open_month:
        notice_issue(period=date(2026, 11, 1), user=admin_user)
    assert "2026年12月5日" in open_month.value.messages[0]
    assert "尚未过去" in open_month.value.messages[0]
    notice_issue(period=OCTOBER, user=admin_user)
    with pytest.raises(ValidationError) as twice:
        notice_issue(period=OCTOBER, user=admin_user)
    assert "已签发（2026年第1期），不能重复签发" in twice.value.messages[0]
    official = make_user("reader", Role.OFFICIAL)
    with pytest.raises(PermissionDenied, match="只有管理员可以签发通报"):
        notice_issue(period=date(2026, 9, 1), user=official)
    assert IssuedNotice.objects.count() == 1


def test_the_pages_refuse_a_non_admin_and_explain_a_refusal(
    plan, admin_user, official_client
):
    response = official_client.post("/notices/2026-10/issue/", {"foreword": "x"})
    assert response.status_code == 403 and not IssuedNotice.objects.exists()
    official_client.force_login(admin_user)
    response = official_client.post("/notices/2026-11/issue/", follow=True)
    assert "该月报送尚未结束，不能签发通报" in response.content.decode()
    response = official_client.post(
        "/notices/2026-10/issue/", {"foreword": HOSTILE}, follow=True
    )
    html = response.content.decode()
    assert "已签发2026年第1期" in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    )
    assert "2026年第1期" in official_client.get("/issued-notices/").content.decode()
    assert "本月通报已签发" in official_client.get("/notices/2026-10/").content.decode()


def test_markup_and_formulas_stay_text_in_the_docx_and_the_spreadsheet(
    plan, admin_user, client
):
    issued = notice_issue(
        period=OCTOBER, user=admin_user, foreword=HOSTILE, instruction="+86 =1+1\x07"
    )
    assert issued.instruction == "+86 =1+1"  # a control character cannot be kept
    client.force_login(admin_user)
    xml = _docx_text(client.get(f"/issued-notices/{issued.pk}/notice.docx").content)
    assert "=HYPERLINK(&quot;http://x&quot;)+1 @SUM(A1) &lt;script&gt;" in xml or (
        '=HYPERLINK("http://x")+1 @SUM(A1) &lt;script&gt;' in xml
    )
    sheet = load_workbook(
        io.BytesIO(client.get(f"{issued.get_absolute_url()}?format=xlsx").content)
    ).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    assert cells[HOSTILE].data_type == "s" and cells["+86 =1+1"].data_type == "s"


def test_a_correction_is_a_new_issue_with_a_reason_and_the_original_stays(
    plan, admin_user, client
):
    original = notice_issue(period=OCTOBER, user=admin_user)
    frozen = copy.deepcopy(original.snapshot)
    with pytest.raises(ValidationError, match="请填写更正或撤销的原因"):
        notice_replace(original=original, user=admin_user, reason=" ")
    corrected = notice_replace(original=original, user=admin_user, reason="数据有误")
    assert corrected.label == "2026年第2期" and corrected.kind == "correction"
    assert corrected.snapshot["blocks"][0]["text"].startswith("本期更正2026年第1期")
    original.refresh_from_db()
    assert original.snapshot == frozen
    with pytest.raises(ValidationError, match="已被2026年第2期更正或撤销"):
        notice_replace(original=original, user=admin_user, reason="再次", withdraw=True)
    withdrawn = notice_replace(
        original=corrected, user=admin_user, reason="重复印发", withdraw=True
    )
    assert withdrawn.kind == "withdrawal" and "撤销原因：重复印发" in str(
        withdrawn.snapshot["blocks"]
    )
    client.force_login(admin_user)
    page = client.get(original.get_absolute_url()).content.decode()
    assert "本期已被" in page and "2026年第2期" in page


def test_the_api_lists_issued_notices_with_their_content(plan, admin_user, client):
    issued = notice_issue(period=OCTOBER, user=admin_user, foreword="按语")
    client.force_login(admin_user)
    rows = client.get("/api/v1/issued-notices/").json()["results"]
    assert [r["label"] for r in rows] == ["2026年第1期"]
    assert rows[0]["period"] == "2026-10" and rows[0]["docx"].endswith(".docx")
    detail = client.get(f"/api/v1/issued-notices/{issued.pk}/").json()
    assert detail["content"]["figures"] == issued.snapshot["figures"]
    assert client.get("/api/v1/issued-notices/999/").status_code == 404


def test_without_libreoffice_the_pdf_is_said_to_be_unavailable(
    plan, admin_user, client, monkeypatch
):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    client.force_login(admin_user)
    monkeypatch.setattr("documents.pdf.soffice", lambda: None)
    response = client.get(f"/issued-notices/{issued.pk}/notice.pdf")
    assert response.status_code == 503
    assert "暂不能生成 PDF，请下载 Word 版" in response.content.decode()
