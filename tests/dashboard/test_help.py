"""/help/status/: its worked examples are what the product's own functions give,
and the 考核 example is the README's."""

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from assessment.scoring import score_row
from supervision.lights import light

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
DEADLINE = date(2025, 3, 17)


@pytest.fixture
def page(official_client) -> str:
    return official_client.get(reverse("dashboard:status_help")).content.decode()


def shown(day: date, state="in_progress", applied_on=None, finished_on=None):
    item = SimpleNamespace(
        state=state, deadline=DEADLINE, applied_on=applied_on, finished_on=finished_on
    )
    return light(item, day, due_soon_days=3)


def test_the_page_explains_supervision_and_the_assessment(page):
    for anchor in ('id="status"', 'id="ranking"', 'id="supervision"'):
        assert anchor in page
    assert 'id="assessment"' in page
    for words in (
        "申请办结",
        "退回",
        "延期申请",
        "催办",
        "督办事项办理情况",
        "督办参数",
    ):
        assert words in page
    # The part exists now: the page no longer announces it as to come.
    assert "将作为新项目加入" not in page


def test_the_supervision_example_is_what_the_lights_say(page):
    assert shown(date(2025, 3, 13)).text == "还剩4天" and "还剩4天" in page
    assert shown(date(2025, 3, 14)).label == "临期"
    assert shown(date(2025, 3, 17)).text == "今天到期" and "今天到期" in page
    assert shown(date(2025, 3, 18)).label == "逾期"
    # Applied on the 16th, accepted on the 19th: on time.
    accepted = shown(date(2025, 3, 19), "closed", finished_on=date(2025, 3, 16))
    assert accepted.label == "已办结（按期）"
    # Sent back, applied again on the 20th, accepted on the 21st: three days late.
    late = shown(date(2025, 3, 21), "closed", finished_on=date(2025, 3, 20))
    assert late.label == "已办结（逾期）" and late.text == "逾期3天办结"
    assert "逾期3天办结" in page


def test_the_assessment_example_is_the_scorings_and_the_readmes(page):
    row = {
        "parts": {
            "returns": {"weight": 30, "share": 11 / 12},
            "work": {"weight": 40, "share": 4 / 5},
            "indicators": {"weight": 30, "share": 1.5 / 2},
        },
        "adjustments": [
            {"kind": "bonus", "points": 2},
            {"kind": "deduction", "points": 1},
        ],
    }
    score_row(row)
    points = [row["parts"][k]["points"] for k in ("returns", "work", "indicators")]
    assert points == [27.5, 32, 22.5]
    assert (row["base"], row["total"], row["grade"]) == (82, 83, "良好")
    readme = README.read_text(encoding="utf-8")
    assert "30 × 11/12 = 27.5, 40 × 0.8 = 32,\n  30 × 0.75 = 22.5: 82" in readme
    assert "**83, 良好**" in readme
    assert "30 × 11/12 = 27.5，40 × 4/5 = 32，30 × 0.75 = 22.5，合计82分" in page
    assert "总分83分，等次良好" in page
