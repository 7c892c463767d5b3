from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reporting.models import MonthlyReport
from reporting.return_state import (
    LABELS,
    StateMasks,
    deadline_text,
    entry_deadline,
    month_bit,
    return_state,
    state_masks,
    submitted_late,
)
from reporting.selectors import reporting_status, reporting_summary
from units.models import Unit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = date(2023, 6, 1)


def test_the_deadline_is_day_n_of_the_next_month():
    assert entry_deadline(JUNE, 5) == date(2023, 7, 5)
    assert entry_deadline(date(2023, 12, 1), 5) == date(2024, 1, 5)


def test_a_submission_on_the_deadline_day_is_on_time_the_next_day_late():
    on_day = datetime(2023, 7, 5, 23, 59, tzinfo=SHANGHAI)
    next_day = datetime(2023, 7, 6, 0, 1, tzinfo=SHANGHAI)
    assert not submitted_late(on_day, JUNE, 5)
    assert submitted_late(next_day, JUNE, 5)


def _state(report=None, today=date(2023, 7, 2)):
    return return_state(report=report, period=JUNE, deadline_day=5, as_of=today)


def _report(
    status: str, submitted: datetime | None = None, reviewed: datetime | None = None
) -> MonthlyReport:
    return MonthlyReport(
        period=JUNE, status=status, submitted_at=submitted, reviewed_at=reviewed
    )


def test_the_deadline_banner_counts_the_days_left():
    assert deadline_text(_state(), today=date(2023, 7, 2)) == (
        "6月数据填报截止：7月5日，还剩3天"
    )
    today = date(2023, 7, 5)
    assert deadline_text(_state(today=today), today=today).endswith("今天截止")
    today = date(2023, 7, 8)
    assert deadline_text(_state(today=today), today=today).endswith("已逾期3天")


def test_a_month_submitted_on_time_never_reads_as_overdue():
    on_time = datetime(2023, 7, 3, 9, tzinfo=SHANGHAI)
    approved = _report(MonthlyReport.Status.APPROVED, on_time)
    today = date(2023, 7, 30)
    state = _state(approved, today)
    assert (state.code, state.label) == ("on_time", "按时报送")
    assert deadline_text(state, today=today) == (
        "6月数据填报截止：7月5日，已于7月3日报送（按时报送）"
    )


def test_a_month_sent_back_later_stood_submitted_on_an_earlier_day():
    sent = datetime(2023, 7, 3, 9, tzinfo=SHANGHAI)
    back = datetime(2023, 7, 10, 9, tzinfo=SHANGHAI)
    report = _report("sent_back", sent, back)
    assert _state(report, date(2023, 7, 6)).code == "on_time"
    assert _state(report, date(2023, 7, 10)).code == "sent_back"


@pytest.mark.parametrize(
    ("status", "submitted", "today", "expected"),
    [
        ("draft", None, date(2023, 7, 5), "not_due"),
        ("draft", None, date(2023, 7, 6), "missing"),  # a draft reaches nobody
        ("submitted", datetime(2023, 7, 5, 23, 59, tzinfo=SHANGHAI), None, "on_time"),
        ("approved", datetime(2023, 7, 6, 0, 1, tzinfo=SHANGHAI), None, "late"),
        ("sent_back", datetime(2023, 7, 1, 9, tzinfo=SHANGHAI), None, "sent_back"),
        # Submitted after the day asked about: still missing on that day.
        ("submitted", datetime(2023, 8, 2, 9, tzinfo=SHANGHAI), date(2023, 7, 31),
         "missing"),
    ],
)  # fmt: skip
def test_return_states(status, submitted, today, expected):
    state = _state(_report(status, submitted), today or date(2023, 8, 1))
    assert state.code == expected
    assert state.label == LABELS[expected]


def test_home_lists_who_reported_on_time_late_or_not_at_all(
    towns, record, official_client
):
    with time_machine.travel(datetime(2023, 7, 10, 9, tzinfo=SHANGHAI), tick=False):
        record("府山街道", 4, "2023-06", "40")  # after 5 July: late
    statuses = {
        r.unit.name: r.label for r in reporting_status(period=JUNE, deadline_day=5)
    }
    mine = ("区建设局", "府山街道", "北海街道", "塔山街道")
    assert {name: statuses[name] for name in mine} == {
        "区建设局": "未报送",
        "府山街道": "迟报",
        "北海街道": "未报送",
        "塔山街道": "未报送",
    }
    assert statuses["区发改局"] == "未报送"  # carries 2023 items: owes returns
    with time_machine.travel(datetime(2023, 7, 3, 9, tzinfo=SHANGHAI), tick=False):
        record("北海街道", 4, "2023-06", "30", status="submitted")
    statuses = {
        r.unit.name: r.label for r in reporting_status(period=JUNE, deadline_day=5)
    }
    assert statuses["北海街道"] == "按时报送"
    with time_machine.travel(datetime(2023, 7, 20, 9, tzinfo=SHANGHAI), tick=False):
        summary = reporting_summary(period=JUNE, deadline_day=5)
    counts = {code: n for code, _, n in summary["counts"]}
    assert counts["late"] == 1 and counts["on_time"] == 1
    names = {code: (names, more) for code, _, names, more in summary["names"]}
    assert names["late"] == (["府山街道"], 0)
    assert "区建设局" in names["missing"][0]
    html = official_client.get("/").content.decode()
    assert "报送情况" in html and "各单位明细" in html


def _at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# One 2023 month per edge case, deadline the 5th of the next month.
MONTH_CASES = {
    1: None,  # no return at all
    2: ("draft", None, None),  # a draft reaches nobody
    3: ("submitted", _at(2023, 4, 5, 23, 59), None),  # last minute: on time
    # 00:01 in Shanghai is still the 5th in UTC: late all the same.
    4: ("approved", _at(2023, 5, 6, 0, 1), _at(2023, 5, 8)),
    5: ("sent_back", _at(2023, 6, 1), _at(2023, 6, 10)),  # on time, then sent back
    6: ("sent_back", _at(2023, 7, 8), _at(2023, 7, 20)),  # late, then sent back
    7: ("draft", _at(2023, 8, 2), None),  # withdrawn (a draft again)
    8: ("sent_back", None, None),  # sent back without dates
    9: ("approved", _at(2023, 10, 4), _at(2023, 10, 30)),  # approved late: on time
    10: ("submitted", _at(2023, 12, 1, 9), None),  # late, after some days asked
    11: ("sent_back", None, _at(2023, 12, 3)),
    12: ("submitted", _at(2024, 1, 5, 23, 30), None),  # on the deadline day
}
DAYS = [
    date(2023, 2, 5), date(2023, 2, 6), date(2023, 4, 5), date(2023, 5, 5),
    date(2023, 5, 6), date(2023, 6, 9), date(2023, 6, 10), date(2023, 7, 8),
    date(2023, 7, 20), date(2023, 11, 30), date(2023, 12, 1), date(2023, 12, 3),
    date(2024, 1, 5), date(2024, 1, 6),
]  # fmt: skip


def test_the_database_masks_give_return_state_s_answer_for_every_edge(plan):
    unit = Unit.objects.get(name="区建设局")
    reports = {
        month: MonthlyReport(
            unit=unit, period=date(2023, month, 1), status=status,
            submitted_at=submitted, reviewed_at=reviewed,
        )
        for month, case in MONTH_CASES.items()
        if case
        for status, submitted, reviewed in [case]
    }  # fmt: skip
    MonthlyReport.objects.bulk_create(reports.values())
    masks = state_masks(year=2023, deadline_day=5, days=DAYS)
    seen = set()
    for day in DAYS:
        mine = masks[day].get(unit.pk, StateMasks())
        for month in MONTH_CASES:
            period = date(2023, month, 1)
            rule = return_state(
                report=reports.get(month), period=period, deadline_day=5, as_of=day
            ).code
            bit = month_bit(period)
            found = [
                code
                for code, mask in zip(
                    ("on_time", "late", "sent_back"), mine, strict=True
                )
                if mask & bit
            ]
            # In no mask, a month stands as one without a return.
            sql = found or [
                return_state(report=None, period=period, deadline_day=5, as_of=day).code
            ]
            assert sql == [rule], (period, day)
            seen.add(rule)
    assert seen == {"on_time", "late", "sent_back", "missing", "not_due"}
