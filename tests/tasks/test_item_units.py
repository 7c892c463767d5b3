"""An item's own units (narrowing its key task's) and 销号: one rule on every page."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from dashboard.boards import unit_board, unit_index
from dashboard.ranking import load_year, monthly_notice, score_unit
from reporting.obligations import items_carried_by
from reporting.reminders import reminders_for
from reporting.services import item_progress_save, report_submit
from reporting.work_list_import import parse_work_list, work_list_create
from tasks.item_deadlines import CLOSED, DONE, OVERDUE
from tasks.models import ChecklistItem, ItemResponsibility
from tasks.services import item_close, item_reopen, item_units_set
from tests.conftest import during
from units.models import Unit
from units.roles import Role

POLICY = "出台推进老旧小区改造的配套政策"  # 2023, key task 4, due 12月底前


def item_with(text: str, year: int = 2023) -> ChecklistItem:
    return ChecklistItem.objects.get(entry__work_list__year=year, text__contains=text)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def test_an_item_narrowed_to_its_lead_leaves_every_other_unit(plan, towns, admin_user):
    item = item_with(POLICY)
    finance = unit("区财政局")
    assert item in items_carried_by(unit=finance, year=2023)
    assert item in items_carried_by(unit=towns[0], year=2023)

    item_units_set(
        item=item, lead=unit("区建设局"), user=admin_user, reason="区级政策事项"
    )

    assert item not in items_carried_by(unit=finance, year=2023)
    assert item not in items_carried_by(unit=towns[0], year=2023)
    assert item in items_carried_by(unit=unit("区建设局"), year=2023)
    # The other items of the task still reach everyone named on it.
    assert item_with("加强城镇老旧小区改造项目监管") in items_carried_by(
        unit=towns[0], year=2023
    )
    row = ItemResponsibility.history.get(unit__name="区建设局")
    assert row.history_change_reason == "区级政策事项"
    assert row.history_user == admin_user

    # Given back to the key task: everyone carries it again.
    item_units_set(item=item, lead=None, user=admin_user, reason="恢复默认")
    assert item in items_carried_by(unit=finance, year=2023)


def test_a_group_named_on_an_item_reaches_its_members(plan, towns, admin_user):
    item = item_with("开工改造")
    item_units_set(
        item=item,
        lead=unit("区建设局"),
        co_units=[unit("各镇街")],
        user=admin_user,
        reason="由各镇街配合",
    )
    assert item in items_carried_by(unit=towns[1], year=2023)
    assert item not in items_carried_by(unit=unit("区财政局"), year=2023)


@pytest.mark.parametrize(
    ("lead", "co", "message"),
    [
        ("区民政局", [], "不是该事项所属重点任务的责任单位"),  # not on task 4
        ("区建设局", ["区残联"], "“区残联”不是"),
        ("各镇街", [], "牵头单位不能是单位组"),
    ],
)
def test_units_the_key_task_does_not_name_are_refused(
    plan, admin_user, lead, co, message
):
    item = item_with(POLICY)
    with pytest.raises(ValidationError, match=message):
        item_units_set(
            item=item,
            lead=unit(lead),
            co_units=[unit(n) for n in co],
            user=admin_user,
            reason="测试",
        )
    assert not item.responsibilities.exists()  # nothing half-written


def test_only_an_admin_narrows_or_closes_an_item(plan, make_user):
    reporter = make_user("staff", Role.REPORTER, ["区建设局"])
    item = item_with(POLICY)
    with pytest.raises(PermissionDenied, match="只有管理员"):
        item_units_set(item=item, lead=unit("区建设局"), user=reporter)
    with pytest.raises(PermissionDenied, match="只有管理员"):
        item_close(item=item, user=reporter, reason="政策已由市级统一出台")


@during(2024, 3, 10)
def test_a_co_unit_follows_the_items_own_lead(plan, towns, admin_user):
    item = item_with(POLICY)
    finance = unit("区财政局")
    item_units_set(
        item=item, lead=finance, co_units=[towns[0]], user=admin_user, reason="测试"
    )
    progress = item_progress_save(
        user=admin_user, unit=finance, item=item, period=date(2023, 12, 1),
        status="done", completed_on=date(2023, 12, 20),
    )  # fmt: skip
    report_submit(user=admin_user, report=progress.report)
    town_board = unit_board(unit=towns[0], year=2023, today=date(2024, 3, 10))
    states = {b.item.pk: (b.role, b.state) for b in town_board.items}
    assert states[item.pk] == ("配合", DONE)
    # 区建设局 leads key task 4 but not this item: it no longer carries it.
    board = unit_board(unit=unit("区建设局"), year=2023, today=date(2024, 3, 10))
    assert item.pk not in {b.item.pk for b in board.items}


def _work_list(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "序号",
            "指标体系",
            "2024年目标",
            "工作清单",
            "完成期限",
            "牵头单位",
            "配合单位",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_work_list_import_names_each_items_units(plan, towns):
    name = "老旧小区改造开工数（个）"
    data = _work_list(
        [
            [1, name, 30, "出台配套政策。", "6月底前", "建设局", None],
            [1, name, 30, "开工改造小区。", "12月底前", "区建设局", "各镇街、区财政局"],
            [1, name, 30, "加强项目监管。", "12月底前", None, None],
        ]
    )
    draft = parse_work_list(data)
    assert draft.errors == []
    work_list_create(draft=draft)
    policy, works, oversight = ChecklistItem.objects.filter(
        entry__work_list__year=2024
    ).order_by("position")
    assert [r.unit.name for r in policy.responsibilities.all()] == ["区建设局"]
    assert [r.unit.name for r in works.responsibilities.order_by("position")] == [
        "区建设局",
        "各镇街",
        "区财政局",
    ]
    assert not oversight.responsibilities.exists()
    assert policy not in items_carried_by(unit=towns[0], year=2024)
    assert works in items_carried_by(unit=towns[0], year=2024)
    assert oversight in items_carried_by(unit=unit("区综合执法局"), year=2024)


def test_the_work_list_import_names_the_row_of_a_wrong_unit(plan):
    name = "老旧小区改造开工数（个）"
    draft = parse_work_list(
        _work_list(
            [
                [1, name, 30, "出台配套政策。", "6月底前", "区民政局", None],
                [1, name, 30, "开工改造小区。", "12月底前", "区建设局", "区不存在局"],
                [1, name, 30, "加强项目监管。", "12月底前", None, "区财政局"],
                [1, name, 30, "推进改造。", "12月底前", "区建设局、区财政局", None],
            ]
        )
    )
    assert draft.errors == [
        "第2行：“区民政局”不是该事项所属重点任务的责任单位，事项只能在重点任务的责任单位中指定。",
        "第3行：未知单位“区不存在局”。",
        "第4行：填写了配合单位时须填写一个牵头单位",
        "第5行：牵头单位只能填一个，读到2个",
    ]


def test_an_item_closed_with_a_reason_is_no_longer_overdue_anywhere(
    plan, admin_user, record
):
    item = item_with(POLICY)
    lead = unit("区建设局")
    notice_day = date(2024, 2, 10)
    with during(2024, 2, 10):
        notice = monthly_notice(period=date(2024, 1, 1), today=notice_day)
        assert item.pk in {o["item"].pk for o in notice.overdue}
        board = unit_board(unit=lead, year=2024, today=notice_day)
        carried = [b for b in board.items if b.item.pk == item.pk]
        assert carried and carried[0].carried and carried[0].state == OVERDUE

        work_before = score_unit(load_year(2023), lead, notice_day).detail["work"]
        with pytest.raises(ValidationError, match="至少4个字"):
            item_close(item=item, user=admin_user, reason="无")
        item_close(
            item=item,
            user=admin_user,
            reason="政策已由市级统一出台",
            on=date(2024, 1, 15),
        )

        notice = monthly_notice(period=date(2024, 1, 1), today=notice_day)
        assert item.pk not in {o["item"].pk for o in notice.overdue}
        board = unit_board(unit=lead, year=2024, today=notice_day)
        assert item.pk not in {b.item.pk for b in board.items}
        board_2023 = unit_board(unit=lead, year=2023, today=notice_day)
        assert {b.item.pk: b.state for b in board_2023.items}[item.pk] == CLOSED
        index = {r.unit.pk: r.counts for r in unit_index(year=2023, today=notice_day)}
        assert index[lead.pk][CLOSED] == 1
        # The ranking's work part counts neither way what was closed.
        work_after = score_unit(load_year(2023), lead, notice_day).detail["work"]
        assert int(work_after.split("/")[1]) == int(work_before.split("/")[1]) - 1

        history = item.history.order_by("-history_id").first()
        assert history.history_change_reason == "销号：政策已由市级统一出台"
        with pytest.raises(ValidationError, match="已于2024年1月15日销号"):
            item_close(item=item, user=admin_user, reason="重复销号测试")

        item_reopen(item=item, user=admin_user, reason="市级政策未覆盖本区")
        notice = monthly_notice(period=date(2024, 1, 1), today=notice_day)
        assert item.pk in {o["item"].pk for o in notice.overdue}


def test_the_admin_narrows_and_closes_through_the_services(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    item = item_with(POLICY)
    url = f"/admin/tasks/checklistitem/{item.pk}/change/"
    form = {
        "entry": item.entry_id,
        "position": item.position,
        "text": item.text,
        "deadline_label": item.deadline_label,
        "lead_unit": unit("区建设局").pk,
        "co_units": [unit("区民政局").pk],
        "units_reason": "",
        "closing_reason": "",
    }
    page = client.post(url, form)
    assert page.status_code == 200
    # The picker offers only the key task's units: another is no valid choice
    # (the service's own refusal is tested above).
    assert "不在可用的选项中" in page.content.decode()
    assert not item.responsibilities.exists()

    form |= {"co_units": [unit("区财政局").pk], "units_reason": "区级政策事项"}
    form["closing_reason"] = "政策已由市级统一出台"
    assert client.post(url, form).status_code == 302
    assert [r.unit.name for r in item.responsibilities.order_by("position")] == [
        "区建设局",
        "区财政局",
    ]
    item.refresh_from_db()
    assert item.closed_reason == "政策已由市级统一出台" and item.closed_by == admin_user
    listing = client.get("/admin/tasks/checklistitem/").content.decode()
    assert "区建设局（牵头）、区财政局（配合）" in listing


@during(2025, 3, 10)
def test_an_earlier_years_undone_item_is_still_reminded(plan, admin_user):
    # 2025 has no work list: the lead is still reminded of 2023's undone items.
    item = item_with(POLICY)
    reminders = {r.unit.name: r for r in reminders_for(today=date(2025, 3, 10))}
    overdue = dict(reminders["区建设局"].overdue)
    assert overdue[item] == (date(2025, 3, 10) - date(2023, 12, 31)).days
    assert "2023年12月底前" in reminders["区建设局"].text()
    item_close(item=item, user=admin_user, reason="政策已由市级统一出台")
    reminders = {r.unit.name: r for r in reminders_for(today=date(2025, 3, 10))}
    assert item not in dict(reminders["区建设局"].overdue)


def test_the_cached_unit_index_follows_an_items_units_at_once(plan, towns, admin_user):
    # The index is kept for the data it is made of (reporting/fingerprint.py);
    # naming an item's units writes only its responsibility rows, which must be
    # part of that data, or the index would show the old units for ten minutes.
    item = item_with(POLICY)
    finance = unit("区财政局")

    def carried(u: Unit) -> int:
        with during(2024, 1, 10):
            rows = {
                r.unit.pk: r for r in unit_index(year=2023, today=date(2024, 1, 10))
            }
        row = rows.get(u.pk) or next(
            m for r in rows.values() for m in r.members if m.unit.pk == u.pk
        )
        return sum(row.counts.values())

    carried(finance)  # the settings row made on first reading, then kept
    before = carried(finance)
    item_units_set(
        item=item, lead=unit("区建设局"), user=admin_user, reason="区级政策事项"
    )
    assert carried(finance) < before
