"""Monthly entry: forms, validation, review, lock, audit — nothing half-written."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import Evidence, IndicatorValue, ItemProgress, MonthlyReport
from tasks.models import ChecklistItem
from units.roles import Role
from yuecheng_housing.lib.numbers import parse_number

from ..conftest import form_versions

pytestmark = pytest.mark.django_db
PERIOD = "2023-06"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("８５", "85"),
        ("1,234", "1234"),
        ("85％", "85"),
        (" 26 ", "26"),
        ("1.4475", "1.4475"),
    ],
)
def test_numbers_are_read_as_staff_type_them(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["八十五", "1,23", "85 %%", "1e3", "--1", ""])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValidationError, match="不是数字"):
        parse_number(text)


@pytest.fixture
def reporter(plan, make_user, client):
    user = make_user("wang", Role.REPORTER, ["区建设局"])
    client.force_login(user)
    return user


def post(client, data, period=PERIOD, action="save", **files):
    """Post the entry form as the browser does: the versions it was drawn with,
    then what the test fills in (which may set a version itself)."""
    versions = form_versions(client, f"/report/?period={period}")
    payload = {**versions, "period": period, "action": action, **data}
    payload.update(files)
    return client.post("/report/", payload)


def audit_rows() -> int:
    return (
        IndicatorValue.history.count()
        + ItemProgress.history.count()
        + MonthlyReport.history.count()
    )


def test_reporter_sees_the_indicators_and_items_of_their_unit(reporter, client):
    html = client.get("/report/?period=2023-06").content.decode()
    assert "区建设局" in html
    assert "6月数据填报截止：7月5日" in html
    assert "保障性租赁住房累计建设筹集套数" in html
    assert (
        "老旧小区累计改造个数" in html
    )  # no towns yet: the lead unit reports it whole
    assert "做好今年保障性租赁住房筹建项目认定" in html


def test_saving_a_draft_stores_values_and_their_history(reporter, client):
    response = post(client, {"ind2-value": "１.２", "ind2-note": "首次填报"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator__code=2)
    assert value.value == Decimal("1.2") and value.report.status == "draft"
    record = value.history.first()
    assert record.history_user == reporter and record.value == Decimal("1.2")


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("ind1-value", "很多", "不是数字"),
        ("ind1-value", "-3", "不能为负数"),
        ("ind1-value", "101", "0至100之间"),
        ("ind8-value", "3.5", "应为整数"),
        ("ind8-note", "长" * 2001, "不超过 2000 字符"),
    ],
)
def test_bad_values_get_a_message_beside_the_field_and_nothing_is_saved(
    reporter, client, field, text, message
):
    response = post(client, {"ind2-value": "1.2", field: text})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert audit_rows() == 0


def summary_lines(page: str) -> list[tuple[str, str]]:
    """The error summary's (link target, text) lines, checking it is an alert."""
    opening, body = re.search(
        r'(<div class="error-summary"[^>]*>)(.*?)</div>', page, re.S
    ).groups()
    assert 'role="alert"' in opening and "aria-labelledby" in opening
    return re.findall(r'<li><a href="#([\w-]+)">(.*?)</a></li>', body)


def test_every_bad_cell_is_shown_at_once_with_a_summary_linking_to_each(
    reporter, client
):
    post(client, {"ind2-value": "1.3", "ind14-value": "36.82"}, period="2023-05")
    item = ChecklistItem.objects.get(entry__seq=1, position=1)
    response = post(
        client,
        {
            "ind1-value": "abc",  # not read at all: the others are still checked
            "ind2-value": "1.2",  # a cumulative fall without a reason
            "ind5-value": "101",  # a rate above 100
            "ind8-value": "3.5",  # a count of buildings with decimals
            "ind14-value": "3.7",  # a tenth of last month's floor area: confirm
            f"item{item.pk}-status": "done",  # done without a date
        },
    )
    page = response.content.decode()
    lines = summary_lines(page)
    assert dict(lines) == {
        "id_ind1-value": "1. 城镇住房保障受益覆盖率：“abc”不是数字。",
        "id_ind2-decrease_reason": (
            "2. 保障性租赁住房累计建设筹集套数 · 低于上月时的原因："
            "累计数低于上月（1.3），请说明原因。"
        ),
        "id_ind5-value": (
            "5. 住宅小区专业物业服务覆盖率：比率应在0至100之间（单位为%）。"
        ),
        "id_ind8-value": "8. 创县级以上优质工程累计数量：应为整数。",
        "id_ind14-value": (
            "14. 城镇人均住房建筑面积：请核对后确认：比上月（36.82）减少90%，"
            "水平值一个月变动超过20%，请核对计量单位（平方米）和小数点"
        ),
        f"id_item{item.pk}-completed_on": (
            "1-1 做好今年保障性租赁住房筹建项目认定 · 完成日期："
            "已完成的事项须填写完成日期。"
        ),
    }
    # In the page's order, and each link leads to a field that is there.
    assert [target for target, _ in lines][:2] == [
        "id_ind1-value",
        "id_ind2-decrease_reason",
    ]
    assert all(f'id="{target}"' in page for target, _ in lines)
    assert 'name="ind14-confirm"' in page  # the box to tick for the warning
    # Beside each field too, which points to its message.
    assert 'aria-describedby="id_ind5-value_error"' in page
    assert IndicatorValue.objects.count() == 2  # May's only
    assert not MonthlyReport.objects.filter(period=date(2023, 6, 1)).exists()


def test_each_error_names_its_indicator_once(reporter, client):
    response = post(client, {"ind8-value": "3.5", "ind14-value": "36.825"})
    lines = summary_lines(response.content.decode())
    assert len(lines) == 2
    for _, text in lines:
        name = text.split(". ", 1)[1].split("：", 1)[0]
        assert text.count(name) == 1, text


def test_a_cell_that_cannot_be_read_still_lets_the_others_ask_to_confirm(
    reporter, client
):
    post(client, {"ind14-value": "36.82"}, period="2023-05")
    first = post(client, {"ind1-value": "abc", "ind14-value": "3.7"})
    assert 'name="ind14-confirm"' in first.content.decode()
    # Fixed and ticked, the second submit saves: two rounds, not three.
    second = post(client, {"ind1-value": "30", "ind14-value": "3.7",
                           "ind14-confirm": "on"})  # fmt: skip
    assert second.status_code == 302
    assert IndicatorValue.objects.get(report__period__month=6, indicator__code=14)


def test_a_future_month_is_refused(reporter, client):
    response = post(client, {"ind2-value": "1.2"}, period="2099-01")
    assert (
        "不在方案期" in response.content.decode()
        or "未来月份" in response.content.decode()
    )
    assert not MonthlyReport.objects.exists()


def test_a_cumulative_drop_needs_a_reason_and_is_flagged(reporter, client):
    post(client, {"ind2-value": "1.3"}, period="2023-05")
    response = post(client, {"ind2-value": "1.2"})
    assert "累计数低于上月（1.3）" in response.content.decode()
    assert IndicatorValue.objects.count() == 1
    post(client, {"ind2-value": "1.2", "ind2-decrease_reason": "核减重复统计"})
    june = IndicatorValue.objects.get(report__period=date(2023, 6, 1))
    assert june.needs_review


def test_done_needs_a_completion_date_not_in_the_future(reporter, client):
    item = ChecklistItem.objects.get(entry__seq=1, position=1)
    prefix = f"item{item.pk}"
    response = post(client, {f"{prefix}-status": "done"})
    assert "须填写完成日期" in response.content.decode()
    response = post(
        client, {f"{prefix}-status": "done", f"{prefix}-completed_on": "2099-01-01"}
    )
    assert "不能晚于今天" in response.content.decode()
    assert not ItemProgress.objects.exists()
    post(client, {f"{prefix}-status": "done", f"{prefix}-completed_on": "2023-06-20"})
    assert ItemProgress.objects.get().completed_on == date(2023, 6, 20)


def test_evidence_is_checked_by_content_not_by_name(
    reporter, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = ChecklistItem.objects.get(entry__seq=1, position=1)
    prefix = f"item{item.pk}"
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = post(
        client, {f"{prefix}-status": "in_progress"}, **{f"{prefix}-evidence": fake}
    )
    assert "不是允许的类型" in response.content.decode()
    assert not ItemProgress.objects.exists() and not Evidence.objects.exists()
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    response = post(
        client, {f"{prefix}-status": "in_progress"}, **{f"{prefix}-evidence": big}
    )
    assert "超过10MB上限" in response.content.decode()
    pdf = SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")
    post(client, {f"{prefix}-status": "in_progress"}, **{f"{prefix}-evidence": pdf})
    evidence = Evidence.objects.get()
    assert evidence.original_name == "会议纪要.pdf"
    assert evidence.content_type == "application/pdf"
    assert "会议纪要" not in evidence.file.name and ".." not in evidence.file.name


def test_submit_needs_every_indicator(reporter, client):
    response = post(client, {"ind2-value": "1.2"}, action="submit")
    assert "尚未填写，不能报送" in response.content.decode()
    assert not MonthlyReport.objects.filter(status="submitted").exists()
    assert not IndicatorValue.objects.exists()


def full_month(**override):
    values = dict(
        zip(
            range(1, 15),
            "30 1.2 0.15 120 85 20 100 6 36 0 100 100 100 35".split(),
            strict=True,
        )
    )
    data = {f"ind{code}-value": v for code, v in values.items()}
    data.update(override)
    return data


def test_submit_return_fix_approve_then_locked(reporter, client, admin_user, official):
    assert post(client, full_month(), action="submit").status_code == 302
    twice = post(client, full_month(), action="submit")  # a double click
    assert "等待审核，内容不能再改" in twice.content.decode()
    report = MonthlyReport.objects.get()
    assert report.status == "submitted"
    assert report.history.filter(status="submitted").count() == 1

    client.force_login(admin_user)
    review = client.get("/review/").content.decode()
    assert "区建设局 · 2023年6月" in review and "✖ 迟报" in review
    client.post(
        f"/review/{report.pk}/decide/", {"decision": "send_back", "comment": ""}
    )
    assert MonthlyReport.objects.get().status == "submitted"  # a return needs a comment
    client.post(
        f"/review/{report.pk}/decide/",
        {"decision": "send_back", "comment": "请核对第5项"},
    )
    client.force_login(reporter)
    assert "请核对第5项" in client.get("/report/?period=2023-06").content.decode()
    post(client, full_month(**{"ind5-value": "86"}), action="submit")

    client.force_login(admin_user)
    client.post(f"/review/{report.pk}/decide/", {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == "approved" and report.is_locked

    client.force_login(reporter)
    response = post(client, full_month(**{"ind5-value": "90"}))
    assert "已审核锁定" in response.content.decode()
    assert IndicatorValue.objects.get(indicator__code=5).value == Decimal("86")

    client.force_login(official)
    html = client.get("/?year=2023").content.decode()
    assert "86" in html
    history = client.get(
        "/report/history/?unit=8&period=2023-06".replace(
            "unit=8", f"unit={report.unit_id}"
        )
    ).content.decode()
    assert "85 → <b>86</b>" in history and "请核对第5项" in history


def test_only_an_admin_reopens_a_locked_month_and_must_say_why(
    reporter, client, admin_user
):
    post(client, full_month(), action="submit")
    report = MonthlyReport.objects.get()
    client.force_login(admin_user)
    client.post(f"/review/{report.pk}/decide/", {"decision": "approve"})
    client.force_login(reporter)
    assert (
        client.post(f"/review/{report.pk}/reopen/", {"reason": "x"}).status_code == 403
    )
    client.force_login(admin_user)
    client.post(f"/review/{report.pk}/reopen/", {"reason": ""})
    assert MonthlyReport.objects.get().status == "approved"
    client.post(f"/review/{report.pk}/reopen/", {"reason": "统计口径更正"})
    report.refresh_from_db()
    assert report.status == "sent_back" and "统计口径更正" in report.review_comment


def test_a_ten_megabyte_note_is_refused_with_a_chinese_page(reporter, client):
    response = post(
        client, {"ind2-value": "1.2", "ind2-note": "长" * (10 * 1024 * 1024 // 3)}
    )
    assert response.status_code == 400
    assert "请求有误，未保存任何内容" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_a_submitted_month_cannot_change_until_withdrawn(reporter, client):
    post(client, full_month(), action="submit")
    report = MonthlyReport.objects.get()
    response = post(client, full_month(**{"ind5-value": "99", "ind5-version": "1"}))
    assert "请先撤回报送" in response.content.decode()
    assert IndicatorValue.objects.get(indicator__code=5).value == Decimal("85")
    page = client.get("/report/?period=2023-06").content.decode()
    assert "撤回报送" in page and "保存草稿" not in page
    client.post(f"/report/{report.pk}/withdraw/", {"version": report.version})
    report.refresh_from_db()
    assert report.status == "draft" and report.submitted_at is None
    assert report.history.first().history_change_reason == "撤回报送"
    post(client, full_month(**{"ind5-value": "99", "ind5-version": "1"}))
    assert IndicatorValue.objects.get(indicator__code=5).value == Decimal("99")


def test_only_the_units_writers_withdraw_and_only_before_review(
    reporter, client, admin_user, make_user
):
    post(client, full_month(), action="submit")
    report = MonthlyReport.objects.get()
    other = make_user("fagai", Role.REPORTER, ["区发改局"])
    client.force_login(other)
    assert client.post(f"/report/{report.pk}/withdraw/").status_code == 404
    client.force_login(admin_user)
    client.post(f"/review/{report.pk}/decide/", {"decision": "approve"})
    client.force_login(reporter)
    client.post(f"/report/{report.pk}/withdraw/")
    assert MonthlyReport.objects.get().status == "approved"


def test_the_reviewer_sees_what_changed_since_sending_back(
    reporter, client, admin_user
):
    post(client, full_month(), action="submit")
    report = MonthlyReport.objects.get()
    first_submitted = report.submitted_at
    client.force_login(admin_user)
    client.post(
        f"/review/{report.pk}/decide/", {"decision": "send_back", "comment": "核对"}
    )
    client.force_login(reporter)
    item = ChecklistItem.objects.filter(entry__work_list__year=2023).first()
    post(
        client,
        full_month(**{"ind5-value": "86", "ind5-version": "1"}),
        action="submit",
        **{f"item{item.pk}-status": "in_progress"},
    )
    client.force_login(admin_user)
    review = client.get("/review/").content.decode()
    assert "此后修改了 2 项" in review and "上次审核后修改（原 85）" in review
    assert item.text in review
    # Corrected after the deadline, it is still judged on its first submission.
    report.refresh_from_db()
    assert report.submitted_at == first_submitted


def test_an_admin_cannot_approve_a_month_changed_after_they_looked(
    reporter, client, admin_user
):
    post(client, full_month(), action="submit")
    report = MonthlyReport.objects.get()
    seen = report.version
    client.post(f"/report/{report.pk}/withdraw/", {"version": seen})
    post(
        client, full_month(**{"ind5-value": "99", "ind5-version": "1"}), action="submit"
    )
    client.force_login(admin_user)
    client.post(
        f"/review/{report.pk}/decide/", {"decision": "approve", "version": seen}
    )
    report.refresh_from_db()
    assert report.status == "submitted" and report.version > seen
    client.post(
        f"/review/{report.pk}/decide/",
        {"decision": "approve", "version": report.version},
    )
    assert MonthlyReport.objects.get().status == "approved"


def test_a_first_entry_saved_meanwhile_by_someone_else_is_not_overwritten(
    reporter, client
):
    post(client, {"ind2-value": "1.1", "ind2-version": "0"})
    response = post(client, {"ind2-value": "1.2", "ind2-version": "0"})
    assert "已被他人修改（wang，" in response.content.decode()
    assert IndicatorValue.objects.get().value == Decimal("1.1")


def test_a_saved_value_cannot_be_cleared_silently(reporter, client):
    post(client, {"ind2-value": "1.1", "ind2-version": "0"})
    response = post(client, {"ind2-value": "", "ind2-version": "1"})
    assert "已保存的数值不能清空" in response.content.decode()


def test_evidence_needs_a_status_and_a_failed_save_leaves_no_file(
    reporter, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = ChecklistItem.objects.get(entry__seq=1, position=1)
    prefix = f"item{item.pk}"
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    response = post(client, {}, **{f"{prefix}-evidence": pdf})
    assert "须选择进展状态" in response.content.decode()
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    response = post(
        client,
        {f"{prefix}-status": "in_progress", "ind1-value": "101"},
        **{f"{prefix}-evidence": pdf},
    )
    assert "0至100之间" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_drafts_are_not_shown_to_other_units_in_the_history(
    reporter, client, make_user
):
    post(client, {"ind2-value": "1.2345"})
    unit_id = MonthlyReport.objects.get().unit_id
    client.force_login(make_user("viewer", Role.OFFICIAL))
    response = client.get(f"/report/history/?unit={unit_id}&period=2023-06")
    assert response.status_code == 403
    assert "1.2345" not in response.content.decode()


def test_an_admin_opens_on_a_unit_with_something_to_fill(client, admin_user):
    # 区委组织部 comes first in the roster; in 2026 (no work list) it carries no item
    # and reports no indicator, so last month it has nothing to fill.
    client.force_login(admin_user)
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=shanghai), tick=False):
        page = client.get("/report/").content.decode()
    assert "<h1>月度填报 · 区建设局 · 2026年10月</h1>" in page
    # In June 2023 it carries items (配合): then it is the first with something.
    page = client.get(f"/report/?period={PERIOD}").content.decode()
    assert "<h1>月度填报 · 区委组织部 · 2023年6月</h1>" in page


def test_the_history_page_works_without_parameters(client, official, admin_user):
    # A reader: the first unit that owes last month's return, and last month.
    client.force_login(official)
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=shanghai), tick=False):
        response = client.get("/report/history/")
    assert response.status_code == 200
    assert "<h1>区建设局 · 2026年10月 · 修改历史</h1>" in response.content.decode()
    assert client.get("/report/history/?unit=abc").status_code == 400


def test_a_hand_made_post_without_versions_is_refused_not_written(reporter, client):
    assert post(client, {"ind2-value": "1.2"}).status_code == 302
    stored = IndicatorValue.objects.get(indicator__code=2)
    # A post assembled by hand (a script, an old tab's replay) with no version
    # fields: refused with the reason, the stored value kept.
    page = client.post(
        "/report/", {"period": PERIOD, "action": "save", "ind2-value": "1.3"}
    ).content.decode()
    assert "缺少版本号" in page
    stored.refresh_from_db()
    assert stored.value == Decimal("1.2") and stored.version == 1
