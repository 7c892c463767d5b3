"""Late cases reach the town's board, the month's 通报 and the reminders."""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from dashboard.ranking import monthly_notice, unit_ranking
from hazards.clocks import State
from indicators.models import PlanSettings

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(add_case, towns):
    """As of 2024-06-15: 府山 has a remedy overdue, a D not evacuated and an
    appraisal due in 5 days; 北海 has one case on time."""
    add_case(address="仓桥直街1号", found_on=date(2023, 12, 1),
             appraised_on=date(2023, 12, 10), grade="C")  # fmt: skip
    add_case(address="仓桥直街2号", found_on=date(2024, 5, 1),
             appraised_on=date(2024, 6, 1), grade="D")  # fmt: skip
    add_case(address="仓桥直街3号", found_on=date(2024, 5, 20))
    add_case(town=towns[1], address="北海路1号", found_on=date(2024, 6, 10))


def at(day: date):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False
    )


def test_the_towns_board_lists_its_late_cases(official_client, cases, towns):
    with at(date(2024, 6, 15)):
        page = official_client.get(f"/units/{towns[0].pk}/?year=2024").content.decode()
    section = page.split("危房台账：逾期的危房（2处）")[1].split("</section>")[0]
    assert "仓桥直街1号" in section and "整治逾期" in section
    assert "仓桥直街2号" in section and "已逾期14天" in section
    assert "仓桥直街3号" not in section


def test_a_town_reporter_does_not_see_another_towns_addresses(
    client, cases, towns, beihai_user
):
    client.force_login(beihai_user)
    with at(date(2024, 6, 15)):
        page = client.get(f"/units/{towns[0].pk}/?year=2024").content.decode()
    # Nor a section saying it has none: the register is not its to read.
    assert "仓桥直街1号" not in page and "危房台账：逾期的危房" not in page


def test_the_notice_has_a_section_per_state_as_of_the_months_end(
    official_client, cases, add_case
):
    # Remedied in July: still 整治逾期 in June's notice.
    july = datetime(2024, 7, 3, tzinfo=SHANGHAI)
    add_case(address="仓桥直街9号", found_on=date(2023, 11, 1),
             appraised_on=date(2023, 11, 5), grade="C", remedy="reinforce",
             remedied_on=date(2024, 7, 2), now=july)  # fmt: skip
    with at(date(2024, 7, 3)):
        notice = monthly_notice(period=date(2024, 6, 1))
        page = official_client.get("/notices/2024-06/").content.decode()
    by_state = {s.state: [(t.name, n) for t, n in s.towns] for s in notice.hazards}
    assert by_state[State.REMEDY_OVERDUE] == [("府山街道", 2)]
    assert by_state[State.NOT_EVACUATED] == [("府山街道", 1)]
    assert by_state[State.APPRAISAL_OVERDUE] == [("府山街道", 1)]  # due 06-20
    assert by_state[State.AWAITING_APPRAISAL] == [("北海街道", 1)]
    assert "七、危房治理情况" in page and "整治逾期（2处）" in page


def test_reminders_name_cases_due_within_seven_days_and_late_ones(
    cases, towns, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    towns[0].contact_emails = "fushan@example.cn"
    towns[0].save()
    out = io.StringIO()
    with at(date(2024, 6, 15)):
        call_command("send_reminders", stdout=out)
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["fushan@example.cn"]
    late, soon = body.split("危房已逾期：")[1].split("危房即将到期：")
    assert "仓桥直街1号（整治逾期，已逾期14天）" in late
    assert "仓桥直街2号（D级未撤离，已逾期14天）" in late
    assert "仓桥直街3号（待鉴定，还剩5天）" in soon
    # 北海's case falls due on 07-10: not within 7 days, nothing to say.
    assert "北海路1号" not in out.getvalue()


def test_the_ranking_counts_the_register_only_when_given_a_weight(cases, towns):
    ranking = unit_ranking(year=2024, today=date(2024, 6, 15))
    assert all(s.parts["hazards"] is None for s in ranking.ranked)  # weight 0

    settings_row = PlanSettings.load()
    settings_row.ranking_weight_items = 0
    settings_row.ranking_weight_returns = 0
    settings_row.ranking_weight_indicators = 0
    settings_row.ranking_weight_hazards = 1
    settings_row.save()
    ranking = unit_ranking(year=2024, today=date(2024, 6, 15))
    scores = {s.unit.name: (s.score, s.detail["hazards"]) for s in ranking.ranked}
    # 府山: two of three late (a remedy, a D not evacuated); 北海: its one on time.
    assert scores == {"北海街道": (100.0, "1/1"), "府山街道": (33.3, "1/3")}
    assert {s.unit.name for s in ranking.apart} >= {"塔山街道", "区建设局"}
