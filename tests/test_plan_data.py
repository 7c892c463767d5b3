"""The plan as issued loads exactly: every unit, target, task and deadline."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Domain, Indicator, Target
from tasks.item_deadlines import parse_deadline
from tasks.models import ChecklistItem, KeyTask, WorkList, WorkListEntry
from units.models import Unit

pytestmark = pytest.mark.django_db

ROSTER = [
    "区委组织部", "区委政法委", "区发改局", "区经信局", "区公安分局", "区民政局",
    "区财政局", "区建设局", "区房征办", "区卫生健康局", "区市场监管局",
    "区自然资源和规划分局", "区农水局", "区综合执法局", "区法院", "区税务局",
    "区残联", "区消防救援大队", "区大数据中心", "越城供电分局", "新区财政局",
    "新区规划建设局", "新区消防救援大队",
]  # fmt: skip

# code: (name, unit, domain, kind, [2023 … 2027 as the table writes them])
INDICATORS = {
    1: ("城镇住房保障受益覆盖率", "%", "住房保障", "rate", ["30"] * 5),
    2: ("保障性租赁住房累计建设筹集套数", "万套（间）", "住房保障", "cumulative",
        ["1.4475", "1.5475", "1.645", "1.645", "1.645"]),
    3: ("公租房在保家庭户数", "万户", "住房保障", "level", ["0.15"] * 5),
    4: ("老旧小区累计改造个数", "个", "住房品质", "cumulative",
        ["150", "180", "220", ">220", ">220"]),
    5: ("住宅小区专业物业服务覆盖率", "%", "住房品质", "rate",
        ["85", "87.5", "90", "92.5", "95"]),
    6: ("创建未来社区累计数量", "个", "住房品质", "cumulative",
        ["25", "30", "35", "40", "44"]),
    7: ("住宅加装电梯累计数量", "台", "住房品质", "cumulative",
        ["150", "200", "250", ">250", ">250"]),
    8: ("创县级以上优质工程累计数量", "个", "住房品质", "cumulative",
        ["8", "9", "10", "11", "12"]),
    9: ("新开工装配式建筑占新建建筑比例", "%", "住房品质", "rate",
        ["36", "38", "40", "42", "44"]),
    10: ("建设浙派民居特色村累计数量", "个", "住房品质", "cumulative",
         ["0", "0", "0", "0", "1"]),
    11: ("城镇危房整治率", "%", "住房安全", "rate", ["100"] * 5),
    12: ("农村危房整治率", "%", "住房安全", "rate", ["100"] * 5),
    13: ("农村困难家庭危房改造救助率", "%", "住房安全", "rate", ["100"] * 5),
    14: ("城镇人均住房建筑面积", "平方米", "住房市场", "level",
         ["35", "35.5", "36", "36.5", "37"]),
}  # fmt: skip

KEY_TASKS = {
    1: ("扩大保障性租赁住房供给", "加快完善住房保障体系", [
        "区建设局", "区发改局", "区经信局", "区财政局", "区自然资源和规划分局",
        "区综合执法局", "区税务局", "新区财政局", "新区规划建设局", "越城供电分局"]),
    2: ("提升公租房保障能力", "加快完善住房保障体系", [
        "区建设局", "区发改局", "区民政局", "区财政局", "区自然资源和规划分局",
        "区大数据中心"]),
    3: ("稳妥推进棚户区改造", "加快完善住房保障体系", ["区房征办"]),
    4: ("实施老旧小区改造", "持续提升住房居住品质", [
        "区建设局", "区发改局", "区财政局", "区自然资源和规划分局", "区综合执法局",
        "各镇街", "各平台公司"]),
    5: ("全域推进未来社区建设", "持续提升住房居住品质", [
        "区建设局", "区发改局", "区民政局", "区自然资源和规划分局", "区卫生健康局",
        "各镇街", "各平台公司"]),
    6: ("大力提升住房建设品质", "持续提升住房居住品质", [
        "区建设局", "区发改局", "区财政局", "区自然资源和规划分局"]),
    7: ("全面提升专业物业服务", "持续提升住房居住品质", [
        "区建设局", "区委组织部", "区委政法委", "区发改局", "区民政局", "区财政局",
        "区综合执法局", "区市场监管局", "区公安分局", "区消防救援大队",
        "新区消防救援大队", "各镇街"]),
    8: ("全面开展住宅加装电梯", "持续提升住房居住品质", [
        "区建设局", "区委组织部", "区委政法委", "区财政局", "区市场监管局",
        "区自然资源和规划分局", "区综合执法局", "各镇街"]),
    9: ("全面推进城乡危房治理", "全面提升城乡住房安全", [
        "区建设局", "区民政局", "区财政局", "区自然资源和规划分局", "区农水局",
        "区残联"]),
    10: ("促进住房市场稳定", "不断完善住房市场体系", [
        "区建设局", "区自然资源和规划分局", "区经信局", "区税务局", "区法院",
        "各镇街"]),
    11: ("加强行业监管力度", "不断完善住房市场体系", [
        "区建设局", "区财政局", "区市场监管局", "区自然资源和规划分局", "区税务局"]),
}  # fmt: skip

# seq: (name, unit, target, plan indicator, key task, [(deadline label, date)])
WORK_LIST_2023 = {
    1: ("保障性租赁住房建设筹集套（间）数", "", "1.44", 2, 1,
        [("6月底前", "2023-06-30"), ("12月底前", "2023-12-31")]),
    2: ("公租房在保家庭", "万户", "0.15", 3, 2, [("12月底前", "2023-12-31")] * 3),
    3: ("老旧小区改造开工数", "个", "26", 4, 4, [("12月底前", "2023-12-31")] * 3),
    4: ("住宅小区专业物业服务覆盖率", "%", "85", 5, 7,
        [("6月底前", "2023-06-30"), ("12月底前", "2023-12-31")]),
    5: ("创建未来社区数", "个", "25", 6, 5,
        [("11月底前", "2023-11-30"), ("9月底前", "2023-09-30")]),
    6: ("既有住宅加装电梯", "台", "50", 7, 8, [("12月底前", "2023-12-31")] * 2),
    7: ("创县级及以上优质工程", "个", "8", 8, 6,
        [("4月底前", "2023-04-30"), ("4月中旬", "2023-04-20"),
         ("12月底前", "2023-12-31")]),
    8: ("新开工装配式建筑占新建建筑比例", "%", "36", 9, 6,
        [("12月底前", "2023-12-31")]),
    9: ("城镇危房实质性解危", "处", "3", None, 9, [("12月底前", "2023-12-31")]),
    10: ("农村危房整治率", "%", "100", 12, 9,
         [("11月底前", "2023-11-30"), ("12月底前", "2023-12-31")]),
    11: ("农村困难家庭危房改造救助率", "%", "100", 13, 9,
         [("9月底前", "2023-09-30")] * 2),
    12: ("城镇人均住房建筑面积", "平方米", "38", 14, 10,
         [("12月底前", "2023-12-31")] * 2),
}  # fmt: skip


def test_it_loads_the_roster_in_order_with_the_two_groups(plan):
    departments = Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("position")
    assert [u.name for u in departments] == ROSTER
    groups = Unit.objects.filter(kind=Unit.Kind.GROUP).order_by("position")
    assert [(g.name, g.position) for g in groups] == [
        ("各镇街", 24),
        ("各平台公司", 25),
    ]
    # On a fresh database ids follow the roster: 区建设局 is 8, 各镇街 24.
    offsets = {u.pk - u.position for u in Unit.objects.all()}
    assert len(offsets) == 1


def test_it_loads_the_four_domains_in_order(plan):
    names = list(Domain.objects.values_list("name", flat=True))
    assert names == ["住房保障", "住房品质", "住房安全", "住房市场"]


def test_it_loads_every_indicator_and_its_five_targets_with_comparators(plan):
    assert Indicator.objects.count() == 14
    assert Target.objects.count() == 70
    for code, (name, unit, domain, kind, written) in INDICATORS.items():
        indicator = Indicator.objects.get(code=code)
        assert (indicator.name, indicator.unit, indicator.domain.name) == (
            name,
            unit,
            domain,
        )
        assert indicator.kind == kind
        targets = indicator.targets.order_by("year")
        assert [t.year for t in targets] == [2023, 2024, 2025, 2026, 2027]
        for target, text in zip(targets, written, strict=True):
            comparator = "gt" if text.startswith(">") else "eq"
            assert target.comparator == comparator, (code, target.year)
            assert target.value == Decimal(text.lstrip(">")), (code, target.year)


def test_strict_comparator_targets_are_shown_as_the_plan_writes_them(plan):
    target = Target.objects.get(indicator__code=4, year=2026)
    assert target.display == "＞220"
    assert not target.is_met_by(Decimal("220"))
    assert target.is_met_by(Decimal("221"))
    assert Target.objects.get(indicator__code=2, year=2023).display == "1.4475"


def test_it_loads_the_key_tasks_with_units_in_the_plans_order(plan):
    assert KeyTask.objects.count() == 11
    for number, (title, section, units) in KEY_TASKS.items():
        task = KeyTask.objects.get(number=number)
        assert (task.title, task.section.title) == (title, section)
        ordered = task.responsibilities.order_by("position")
        assert [r.unit.name for r in ordered] == units
        assert ordered[0].is_lead and ordered[0].role_label == "牵头"
        assert all(not r.is_lead for r in ordered[1:])


def test_key_task_text_is_joined_across_page_breaks(plan):
    assert "提升面向社会公众出租房源比例" in KeyTask.objects.get(number=1).text
    assert "发现危房1个月内完成安全鉴定" in KeyTask.objects.get(number=9).text
    assert "责任单位" not in KeyTask.objects.get(number=1).text


def test_it_loads_the_2023_work_list_with_deadlines(plan):
    work_list = WorkList.objects.get(year=2023)
    assert work_list.entries.count() == 12
    assert ChecklistItem.objects.filter(entry__work_list=work_list).count() == 25
    for seq, (name, unit, target, code, task, deadlines) in WORK_LIST_2023.items():
        entry = WorkListEntry.objects.get(work_list=work_list, seq=seq)
        assert (entry.name, entry.unit_of_measure) == (name, unit)
        assert entry.target == Decimal(target)
        assert (entry.indicator.code if entry.indicator else None) == code
        assert entry.key_task.number == task
        items = entry.items.order_by("position")
        assert [(i.deadline_label, i.deadline.isoformat()) for i in items] == deadlines


def test_every_deadline_date_agrees_with_its_label(plan):
    for item in ChecklistItem.objects.select_related("entry__work_list"):
        year = item.entry.work_list.year
        assert parse_deadline(item.deadline_label, year) == item.deadline


def test_item_texts_are_as_issued(plan):
    texts = list(
        ChecklistItem.objects.order_by("entry__seq", "position").values_list(
            "text", flat=True
        )
    )
    assert texts[0] == "做好今年保障性租赁住房筹建项目认定"
    assert texts[1] == "推进完成14475套保障性租赁住房的筹建"
    assert "做好2023年度绍兴市兰花杯（优质工程）推荐工作" in texts
    assert ChecklistItem.objects.get(deadline_label="4月中旬").deadline == date(
        2023, 4, 20
    )


def test_entries_that_measure_differently_from_the_table_say_so(plan):
    entries = WorkListEntry.objects.filter(work_list__year=2023)
    noted = {e.seq for e in entries if e.note}
    assert noted == {1, 3, 6, 9, 12}
    assert "38" in entries.get(seq=12).note and "35" in entries.get(seq=12).note
