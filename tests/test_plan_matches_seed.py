"""Read the issued plan text itself and check the database says the same.

The seed lives beside the project (../shared/seed/) on every machine and in CI;
PLAN_SEED_DIR points elsewhere.
"""

import re
from decimal import Decimal

import pytest

from indicators.models import Target
from indicators.plan_goals import TEXT_GOALS
from tasks.models import ChecklistItem, KeyTask
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_five_year_table_matches(plan, seed_text):
    rows = re.findall(r"^(?:住房\S+)?\t(\d+)\t(.+?)（.*）\t(.+)$", seed_text, re.M)
    assert len(rows) == 14
    for code, name, values in rows:
        targets = list(Target.objects.filter(indicator__code=int(code)))
        assert targets[0].indicator.name == name
        for target, written in zip(targets, values.split("\t"), strict=True):
            expected = written.removeprefix("大于")
            assert target.value == Decimal(expected)
            assert target.comparator == ("gt" if written.startswith("大于") else "eq")


def test_roster_matches(plan, seed_text):
    line = next(x for x in seed_text.splitlines() if x.startswith("区委组织部、"))
    names = re.split("[、，]", line)
    assert list(Unit.objects.order_by("position").values_list("name", flat=True)) == (
        names
    )


def test_key_task_units_match(plan, seed_text):
    found = re.findall(r"(\d+)\. (\S+?)。.*?（责任单位：(.+?)）", seed_text, re.S)
    assert len(found) == 11
    for number, title, units in found:
        task = KeyTask.objects.get(number=int(number))
        assert task.title == title
        names = re.split("[、，]", units.split("，列第一位")[0])
        stored = task.responsibilities.order_by("position").values_list(
            "unit__name", flat=True
        )
        assert list(stored) == names


def test_work_list_items_match(plan, seed_text):
    annex = seed_text.split("附件 2")[1]
    rows = [r.split("\t") for r in annex.splitlines() if r.count("\t") == 4]
    items = [r for r in rows if not r[0].startswith("序")]
    stored = list(ChecklistItem.objects.order_by("entry__seq", "position"))
    assert len(items) == len(stored) == 25

    def squeeze(text: str) -> str:
        return re.sub(r"\s+", "", text).rstrip("。")

    for row, item in zip(items, stored, strict=True):
        assert squeeze(row[3]) == item.text
        assert squeeze(row[4]) == item.deadline_label


def test_the_text_goals_are_the_plans_words(seed_text):
    goals = re.sub(r"\s+", "", seed_text.split("二、主要目标")[1].split("表：")[0])
    for goal in TEXT_GOALS:
        assert f"{goal.section}" in goals
        assert goal.quote in goals, goal.quote
        assert goal.phrase in goal.quote
