"""A town's list from Excel: the returns' tolerant reader, the service, atomic."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from hazards.models import HazardCase
from hazards.xlsx_import import hazard_list_import

from ..conftest import with_cell_value
from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def workbook(rows: list[list], title_rows: int = 2) -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(title_rows):
        sheet.append(["府山街道危房清单"])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEAD = ["序号", "所属镇街", "房屋地址", "城乡类别", "发现时间", "鉴定日期", "鉴定等级",
        "撤离日期", "整治方式", "整治完成日期", "是否困难家庭", "备注"]  # fmt: skip


def test_it_reads_a_town_list_as_people_fill_it(fushan_user, towns):
    content = workbook([
        HEAD,
        [1, "府山街道", "仓桥直街1号", "城镇", date(2024, 1, 10), "2024/1/20",
         "Ｃ级", None, "加固", "2024年5月1日", "", "已完工"],
        [2, "府山街道", "东浦村3组5号", "农村", "2024-06-01", None, None, None,
         None, None, "是", None],
        [None, "合计", None, None, None, None, None, None, None, None, None, None],
    ])  # fmt: skip
    result = hazard_list_import(user=fushan_user, content=content, dry_run=False)
    assert (result.written, result.created, result.failed) == (True, 2, 0)
    first, second = HazardCase.objects.order_by("pk")
    assert (first.grade, first.remedy, first.remedied_on) == (
        "C",
        "reinforce",
        date(2024, 5, 1),
    )
    assert second.kind == "rural" and second.hardship
    assert first.history.get().history_change_reason == "Excel导入"


def test_one_bad_row_writes_nothing_and_names_the_row(fushan_user, towns):
    content = workbook([
        HEAD,
        [1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10", None, None, None, None,
         None, "", ""],
        [2, "府山街道", "仓桥直街2号", "城镇", "2024-01-10", "2024-01-20", "C",
         "2024-01-20", None, None, "", ""],
        [3, "北海街道", "北海路1号", "城镇", "2024-01-10", None, None, None, None,
         None, "", ""],
        [4, "府山街道", "仓桥直街4号", "城乡", "2024-13-01", None, None, None, None,
         None, "", ""],
    ])  # fmt: skip
    result = hazard_list_import(user=fushan_user, content=content, dry_run=False)
    assert not result.written and not HazardCase.objects.exists()
    errors = {line.row: line.errors for line in result.lines}
    assert errors[4] == []  # the header is on row 3
    assert errors[5] == ["只有鉴定为D级的危房才填写撤离日期。"]
    assert "无权" in errors[6][0]  # another town's list
    assert "类别“城乡”应为城镇或农村" in errors[7][0]


def test_a_preview_writes_nothing(fushan_user, towns):
    content = workbook([HEAD, [1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10"]])
    result = hazard_list_import(user=fushan_user, content=content, dry_run=True)
    assert result.created == 1 and not result.written
    assert not HazardCase.objects.exists()


def test_importing_the_export_changes_nothing(official_client, add_case, admin_user):
    add_case(address="仓桥直街1号", appraised_on=date(2024, 1, 20), grade="D",
             evacuated_on=date(2024, 1, 20), note="=危险")  # fmt: skip
    add_case(address="东浦村1号", kind="rural", hardship=True,
             relief_granted_on=date(2024, 2, 1))  # fmt: skip
    exported = official_client.get("/hazards/?format=xlsx").content
    result = hazard_list_import(user=admin_user, content=exported, dry_run=False)
    assert (result.written, result.unchanged, result.failed) == (True, 2, 0)
    assert all(c.history.count() == 1 for c in HazardCase.objects.all())


def test_an_older_export_never_undoes_a_later_edit(
    official_client, add_case, admin_user, fushan_user
):
    case = add_case(address="仓桥直街1号")
    exported = official_client.get("/hazards/?format=xlsx").content
    # After the export, the town appraises the case on its page.
    add_case(
        case_id=case.pk, expected_version=1, address="仓桥直街1号",
        appraised_on=date(2024, 1, 20), grade="C",
    )  # fmt: skip
    result = hazard_list_import(user=admin_user, content=exported, dry_run=False)
    assert not result.written
    (line,) = result.lines
    assert line.errors and f"编号{case.pk}已被他人修改" in line.errors[0]
    assert "请重新导出" in line.errors[0]
    case.refresh_from_db()
    assert (case.grade, case.version) == ("C", 2)


def test_a_row_naming_a_case_without_its_version_is_refused(add_case, admin_user):
    case = add_case(address="仓桥直街1号")
    content = workbook([
        ["编号", *HEAD],
        [case.pk, 1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10",
         "2024-01-20", "C"],
    ])  # fmt: skip
    result = hazard_list_import(user=admin_user, content=content, dry_run=False)
    assert not result.written
    assert "缺少“版本”" in result.lines[0].errors[0]
    case.refresh_from_db()
    assert case.grade == ""


def test_a_file_that_is_not_a_spreadsheet_is_refused(fushan_user, towns):
    result = hazard_list_import(user=fushan_user, content=b"MZ\x90", dry_run=False)
    assert "无法识别的文件类型" in result.file_error
    no_header = workbook([["甲", "乙"], [1, 2]])
    result = hazard_list_import(user=fushan_user, content=no_header, dry_run=False)
    assert "没有找到表头" in result.file_error


def test_the_import_page_previews_then_imports(client, fushan_user, towns):
    client.force_login(fushan_user)
    content = workbook([HEAD, [1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10"]])

    def upload(**flags):
        file = SimpleUploadedFile("府山.xlsx", content)
        return client.post("/hazards/import/", {"file": file, **flags}).content.decode()

    assert "预览（未写入）" in upload(dry_run="on") and not HazardCase.objects.exists()
    assert "已导入" in upload() and HazardCase.objects.count() == 1
    assert "待确认" in upload() and HazardCase.objects.count() == 1  # same address


def town_list(rows: int) -> bytes:
    return workbook([HEAD] + [
        [i, "府山街道", f"仓桥直街{i}号", "城镇", "2024-01-10", "2024-01-20", "C",
         None, "加固" if i % 2 else None, "2024-02-01" if i % 2 else None, "", ""]
        for i in range(1, rows + 1)
    ])  # fmt: skip


def import_queries(user, content: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = hazard_list_import(user=user, content=content, dry_run=False)
    assert result.written and not result.failed
    return len(queries)


def test_the_import_costs_the_same_queries_for_10_rows_as_for_200(fushan_user):
    # SQLite takes at most 999 values per statement (Django's limit), so the
    # cases are inserted 52 rows to a statement: the one count that grows, by one
    # per 52 rows, where a query per row would add 190.
    # PostgreSQL has no such limit: one statement whatever the rows.
    limit = connection.features.max_query_params
    per_insert = limit // 19 if limit else None
    small = import_queries(fushan_user, town_list(10))
    HazardCase.objects.all().delete()
    if per_insert:
        assert import_queries(fushan_user, town_list(per_insert)) == small
        HazardCase.objects.all().delete()
    grows = 200 // per_insert if per_insert else 0
    assert import_queries(fushan_user, town_list(200)) == small + grows
    # Importing the list again with a 编号 on each row changes every case.
    ids = list(HazardCase.objects.order_by("pk").values_list("pk", "version"))
    changed = workbook([["编号", "版本", *HEAD]] + [
        [pk, version, i, "府山街道", f"仓桥直街{i}号", "城镇", "2024-01-10",
         "2024-01-20", "D", None, None, None, "", "复核"]
        for i, (pk, version) in enumerate(ids, 1)
    ])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        result = hazard_list_import(user=fushan_user, content=changed, dry_run=False)
    assert (result.written, result.changed) == (True, 200)
    assert len(queries) <= small + 10
    assert set(HazardCase.objects.values_list("grade", flat=True)) == {"D"}
    assert all(c.history.count() == 2 for c in HazardCase.objects.all())


def test_a_list_naming_one_address_twice_asks_to_confirm_the_second(fushan_user):
    content = workbook([
        HEAD,
        [1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10"],
        [2, "府山街道", "仓桥直街２号", "城镇", "2024-01-10"],
        [3, "府山街道", "仓桥直街 1号", "城镇", "2024-02-10"],
    ])  # fmt: skip
    result = hazard_list_import(user=fushan_user, content=content, dry_run=False)
    assert not result.written and not HazardCase.objects.exists()
    warnings = {line.row: line.warnings for line in result.lines}
    assert warnings[4] == warnings[5] == []
    assert warnings[6] == [
        "本次导入中已有同一地址的危房“仓桥直街1号”（2024-01-10发现）。"
        "确认是另一幢房屋后再保存。"
    ]
    confirmed = hazard_list_import(
        user=fushan_user, content=content, dry_run=False, confirmed=True
    )
    assert confirmed.written and HazardCase.objects.count() == 3


def test_a_cell_holding_nan_or_inf_is_named_by_row_and_column(fushan_user):
    content = workbook([
        HEAD,
        [1, "府山街道", "仓桥直街1号", "城镇", "2024-01-10"],
        [2, "府山街道", 0.5, "城镇", "2024-01-10"],
        [3, "府山街道", "仓桥直街3号", "城镇", "2024-01-10", None, None, None, None,
         None, 0.25],
    ])  # fmt: skip
    content = with_cell_value(content, b"0.5", b"NaN")
    content = with_cell_value(content, b"0.25", b"1e999")
    result = hazard_list_import(user=fushan_user, content=content, dry_run=False)
    assert not result.written and not HazardCase.objects.exists()
    errors = {line.row: line.errors for line in result.lines}
    assert errors == {
        4: [],
        5: ["C列：数值无效（NaN）"],
        6: ["K列：数值无效（无穷大）"],
    }
