import io
import smtplib
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from openpyxl import load_workbook

from dashboard.ranking import (
    ReturnTally,
    load_year,
    month_return,
    monthly_notice,
    return_tally,
    returns_due,
    unit_ranking,
)
from indicators.models import PlanSettings
from reporting.fingerprint import data_fingerprint
from reporting.models import MonthlyReport, ReminderLog
from reporting.obligations import items_carried_by
from reporting.services import item_progress_save
from reporting.transitions import report_submit
from tasks.models import ChecklistItem, Responsibility
from tests.reporting.test_return_state import DAYS, MONTH_CASES
from units.models import Unit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


def at(day: date):
    return time_machine.travel(moment(day), tick=False)


@pytest.fixture
def history(admin_user):
    """区建设局 does its April items on time; 区发改局 reports nothing."""

    def run():
        lead = Unit.objects.get(name="区建设局")
        when = moment(date(2023, 5, 3))
        for item in ChecklistItem.objects.filter(deadline__lte=date(2023, 4, 30)):
            stored = item_progress_save(
                user=admin_user, unit=lead, item=item, period=date(2023, 4, 1),
                status="done", completed_on=date(2023, 4, 15), now=when,
            )  # fmt: skip
        report_submit(user=admin_user, report=stored.report, now=when)

    return run


def test_ranking_scores_parts_and_ranks_with_ties(plan, history):
    history()
    ranking = unit_ranking(year=2023, today=date(2023, 5, 10))
    by_name = {s.unit.name: s for s in ranking.ranked}
    lead = by_name["区建设局"]
    assert lead.detail["work"] == "2/2" and lead.detail["returns"] == "1/4"
    assert lead.parts["indicators"] == 0.0  # nothing reported: 未填报 counts 0
    # 100 × (0.5 × 1 + 0.3 × 0.25 + 0.2 × 0) / 1.0
    assert lead.score == 57.5
    # A co-responsible department's items follow the lead's completion (the
    # items are the lead's to close); it sent no return and reports no indicator.
    fagai = by_name["区发改局"]
    assert fagai.detail["work"] == "2/2" and fagai.detail["returns"] == "0/4"
    assert fagai.score == 62.5  # 100 × (0.5 × 1 + 0.3 × 0) / 0.8
    assert [s.unit.name for s in ranking.apart] == ["区房征办"]
    ranks = [s.rank for s in ranking.ranked]
    assert ranks == sorted(ranks) and ranks.count(1) > 1  # ties share a rank


def test_weights_are_the_admins(plan, history):
    history()
    settings_row = PlanSettings.load()
    settings_row.ranking_weight_returns = Decimal("0")
    settings_row.ranking_weight_indicators = Decimal("0")
    settings_row.save()
    ranking = unit_ranking(year=2023, today=date(2023, 5, 10))
    assert ranking.ranked[0].score == 100.0


def test_rank_change_against_last_month(plan, history, admin_user):
    # 区发改局 sends March's return on time; 区建设局 sends April's (its April items
    # done on time) on 3 May. On 30 April 区发改局 leads; on 10 May 区建设局 does.
    fagai = Unit.objects.get(name="区发改局")
    when = moment(date(2023, 4, 3))
    stored = item_progress_save(
        user=admin_user, unit=fagai, item=items_carried_by(unit=fagai, year=2023)[0],
        period=date(2023, 3, 1), status="in_progress", now=when,
    )  # fmt: skip
    report_submit(user=admin_user, report=stored.report, now=when)
    history()
    ranking = unit_ranking(year=2023, today=date(2023, 5, 10))
    assert ranking.previous_as_of == date(2023, 4, 30)
    before = unit_ranking(year=2023, today=date(2023, 4, 30))
    assert before.ranked[0].unit.name == "区发改局"  # March's return on time
    was = {s.unit.name: s.rank for s in before.ranked}
    by_name = {s.unit.name: s for s in ranking.ranked}
    for name in ("区建设局", "区发改局"):
        assert by_name[name].change == was[name] - by_name[name].rank


def test_notice_names_overdue_items_late_and_missing_returns(plan, history):
    history()
    notice = monthly_notice(period=date(2023, 6, 1))
    assert notice.as_of == date(2023, 6, 30)
    overdue = {(o["unit"].name, o["item"].deadline_label) for o in notice.overdue}
    assert ("区建设局", "6月底前") not in overdue  # due that day: not yet overdue
    assert notice.returns_period == date(2023, 5, 1)
    assert "区建设局" in {u.name for u in notice.missing}
    # Top of the ranking, but May's return is missing: not praised, nor is
    # anyone else, since every unit owes a missing return.
    assert "区建设局" in {s.unit.name for s in notice.ranking.ranked}
    assert notice.best == []
    july = monthly_notice(period=date(2023, 7, 1))
    assert ("区建设局", "6月底前") in {
        (o["unit"].name, o["item"].deadline_label) for o in july.overdue
    }
    assert (
        next(o for o in july.overdue if o["item"].deadline_label == "6月底前")["days"]
        == 31
    )


def test_pages_exports_and_bad_input(official_client, history):
    history()
    html = official_client.get("/ranking/?year=2023").content.decode()
    assert "得分 = 100 ×" in html and "区建设局" in html and "不参与排名" in html
    response = official_client.get("/ranking/?year=2023&format=xlsx")
    assert "%E6%99%BE%E6%99%92" in response["Content-Disposition"]  # 晾晒
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "名次"
    assert "区建设局" in [c.value for c in sheet["B"][3:]]
    notice = official_client.get("/notices/2023-06/").content.decode()
    assert "“住有宜居”专项工作通报" in notice and "越城区公共服务" in notice
    xlsx = official_client.get("/notices/2023-06/?format=xlsx")
    assert xlsx.status_code == 200
    for bad in ("2023-13", "1999-01", "2099-01", "abc"):
        response = official_client.get(f"/notices/{bad}/")
        assert response.status_code == 404, bad
    api = official_client.get("/api/v1/notices/2023-13/")
    assert api.status_code == 404 and "不存在" in api.json()["detail"]
    data = official_client.get("/api/v1/ranking/?year=2023").json()
    assert "区建设局" in [s["unit"] for s in data["results"]]
    assert data["apart"] == ["区房征办"]
    notice_api = official_client.get("/api/v1/notices/2023-07/").json()
    assert notice_api["returns_period"] == "2023-06"
    assert any(o["deadline_label"] == "6月底前" for o in notice_api["overdue_items"])


def test_reminders_go_once_a_day_to_configured_contacts(plan, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unit = Unit.objects.get(name="区建设局")
    unit.contact_emails = "zhang@example.cn，li@example.cn"
    unit.save()
    out = io.StringIO()
    with at(date(2023, 6, 25)):
        call_command("send_reminders", "--dry-run", stdout=out)
        assert "还剩5天" in out.getvalue() and "已逾期" in out.getvalue()
        assert not mail.outbox and not ReminderLog.objects.exists()
        call_command("send_reminders", stdout=io.StringIO())
        call_command("send_reminders", stdout=out)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang@example.cn", "li@example.cn"]
    assert "做好今年保障性租赁住房筹建项目认定" in mail.outbox[0].body
    assert "今天已发送过" in out.getvalue()
    assert "未配置联络人邮箱" in out.getvalue()  # the other units


def test_a_reminder_the_mail_server_refuses_is_not_marked_sent(
    plan, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unit = Unit.objects.get(name="区建设局")
    unit.contact_emails = "zhang@example.cn"
    unit.save()

    def refused(self, messages):
        raise smtplib.SMTPRecipientsRefused({"zhang@example.cn": (550, b"no")})

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refused)
    out = io.StringIO()
    with at(date(2023, 6, 25)):
        call_command("send_reminders", stdout=out)
    assert "发送失败" in out.getvalue() and "下次运行会重试" in out.getvalue()
    assert not ReminderLog.objects.exists()
    monkeypatch.undo()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(date(2023, 6, 25)):
        call_command("send_reminders", stdout=io.StringIO())
    assert ReminderLog.objects.filter(unit=unit).count() == 1 and len(mail.outbox) == 1


@pytest.mark.parametrize("months", [1, 12])
def test_ranking_and_notice_cost_a_fixed_number_of_queries(
    months, official_client, towns, admin_user, django_assert_max_num_queries
):
    for unit in [Unit.objects.get(name="区建设局"), *towns]:
        for month in range(1, months + 1):
            period = date(2023, month, 1)
            for item in items_carried_by(unit=unit, year=2023)[:4]:
                item_progress_save(
                    user=admin_user, unit=unit, item=item, period=period,
                    status="in_progress",
                )  # fmt: skip
            report = MonthlyReport.objects.get(unit=unit, period=period)
            report_submit(user=admin_user, report=report)
    official_client.get("/ranking/")
    urls = ("/ranking/?year=2023", "/notices/2023-06/", "/units/?year=2023")
    for url in urls:
        # The computation (at most 17: the notice and the verdicts of 11–13 also
        # read the 危房台账), the data's fingerprint (3) and which years have
        # anything (1: why a year is empty); the towns' shares (1, and their
        # figures where a share exists), the earlier years with a work list (1);
        # the notice also reads the month's issued notices (1); the ledgers'
        # switches, for the district and the towns (2); 督办参数 (1) and, for the
        # notice's 督办事项办理情况, the year's items, their units and events (3);
        # the notice's projects behind schedule (1).
        with django_assert_max_num_queries(30):
            assert official_client.get(url).status_code == 200
    for url in urls:
        # Then only the session (3), the fingerprint (3), the years (1), the
        # issued notices (1, on the notice) and the cache: no recount.
        with django_assert_max_num_queries(9):
            assert official_client.get(url).status_code == 200


def test_the_current_months_notice_is_as_of_today(plan, history):
    history()
    with at(date(2023, 8, 10)):
        notice = monthly_notice(period=date(2023, 8, 1))
    assert notice.as_of == date(2023, 8, 10)
    assert all(o["item"].deadline < date(2023, 8, 10) for o in notice.overdue)


def test_a_return_is_not_missing_on_its_deadline_day(plan, admin_user):
    from dashboard.ranking import load_year, returns_due

    data = load_year(2023)
    unit = Unit.objects.get(name="区建设局")
    on_day = {s.period: s.code for s in returns_due(data, unit, date(2023, 7, 5))}
    next_day = {s.period: s.code for s in returns_due(data, unit, date(2023, 7, 6))}
    assert date(2023, 6, 1) not in on_day
    assert next_day[date(2023, 6, 1)] == "missing"


def test_january_notice_names_decembers_late_and_missing_returns(plan):
    notice = monthly_notice(period=date(2024, 1, 1))
    assert notice.returns_period == date(2023, 12, 1)
    assert "区建设局" in {u.name for u in notice.missing}


def test_home_and_notice_agree_on_who_owes_returns(plan):
    from reporting.selectors import reporting_status

    home = {
        r.unit.name for r in reporting_status(period=date(2023, 5, 1), deadline_day=5)
    }
    notice = monthly_notice(period=date(2023, 6, 1))
    assert {u.name for u in notice.missing} == home
    assert "区发改局" in home and "区房征办" not in home


def test_a_past_years_ranking_counts_decembers_return(plan, admin_user):
    unit = Unit.objects.get(name="区建设局")
    when = moment(date(2024, 1, 3))
    item = items_carried_by(unit=unit, year=2023)[0]
    stored = item_progress_save(
        user=admin_user, unit=unit, item=item, period=date(2023, 12, 1),
        status="in_progress", now=when,
    )  # fmt: skip
    report_submit(user=admin_user, report=stored.report, now=when)
    ranking = unit_ranking(year=2023, today=date(2024, 3, 1))
    assert ranking.as_of == date(2024, 1, 6)
    jianshe = next(s for s in ranking.ranked if s.unit == unit)
    assert jianshe.detail["returns"] == "1/12"  # December's, sent on 3 January
    # A unit that never sent December's is not let off it: due, and missing.
    silent = next(s for s in ranking.ranked if s.unit.name == "区发改局")
    assert silent.detail["returns"] == "0/12"
    # On the deadline day itself December is not yet missing: 11 months due.
    on_the_day = unit_ranking(year=2023, today=date(2024, 1, 5))
    silent = next(s for s in on_the_day.ranked if s.unit.name == "区发改局")
    assert silent.detail["returns"] == "0/11"


def test_a_cached_ranking_follows_every_change(plan, history):
    """Rankings are cached under a digest of their data: new returns or a renamed
    unit give a new ranking at once, in any process."""
    today = date(2023, 6, 10)
    before = unit_ranking(year=2023, today=today)
    assert unit_ranking(year=2023, today=today) is not None  # from the cache
    history()  # 区建设局's April items, submitted in May
    after = unit_ranking(year=2023, today=today)
    scores = {s.unit.name: s.score for s in after.ranked}
    assert scores != {s.unit.name: s.score for s in before.ranked}
    lead = Unit.objects.get(name="区建设局")
    lead.name = "区住房和城乡建设局"
    lead.save()
    renamed = unit_ranking(year=2023, today=today)
    assert "区住房和城乡建设局" in [s.unit.name for s in renamed.ranked]


def test_swapping_two_units_on_a_key_task_changes_the_data_fingerprint(plan):
    today = date(2023, 6, 10)
    before = data_fingerprint(today=today)
    lead, co = Responsibility.objects.filter(key_task__number=10).order_by("position")[
        :2
    ]
    # The co-responsible unit takes the lead, by plain updates (no history): same
    # count, same rows, other roles.
    rows = Responsibility.objects.filter
    rows(pk=lead.pk).update(position=99)
    rows(pk=co.pk).update(position=lead.position)
    rows(pk=lead.pk).update(position=co.position)
    assert data_fingerprint(today=today) != before
    assert data_fingerprint(today=date(2023, 6, 11)) != data_fingerprint(today=today)


def test_the_counted_returns_agree_with_the_months_judged_one_by_one(plan, towns):
    """The ranking and the notice count returns from the database's masks
    (return_tally, month_return); the assessment lists them month by month
    (returns_due, return_state's rule): both say the same of every unit, day
    and month, a month not owed included."""
    late_joiner = towns[2]
    late_joiner.reports_from = date(2023, 5, 1)
    late_joiner.save()
    reports = [
        MonthlyReport(
            unit=unit, period=date(2023, month, 1), status=status,
            submitted_at=submitted, reviewed_at=reviewed,
        )
        for unit in [Unit.objects.get(name="区建设局"), *towns]
        for month, case in MONTH_CASES.items()
        if case
        for status, submitted, reviewed in [case]
    ]  # fmt: skip
    MonthlyReport.objects.bulk_create(reports)
    data = load_year(2023)
    assert date(2023, 4, 1) not in data.obligations.months_owed(late_joiner)
    counted = Counter()
    for day in DAYS:
        for unit in data.units:
            states = returns_due(data, unit, day)
            codes = Counter(s.code for s in states)
            assert return_tally(data, unit, day) == ReturnTally(
                codes["on_time"], codes["late"], codes["sent_back"], codes["missing"]
            ), (unit, day)
            by_month = {s.period: s.code for s in states}
            for month in range(1, 13):
                period = date(2023, month, 1)
                assert month_return(data, unit, period, day) == by_month.get(period)
            counted.update(codes)
    assert set(counted) == {"on_time", "late", "sent_back", "missing"}
