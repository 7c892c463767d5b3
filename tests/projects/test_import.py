"""A ledger from Excel: the export's layout read back, tolerant, all or nothing."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from projects.kinds import KINDS
from projects.models import Project, ProjectStage
from projects.xlsx_import import ledger_import

pytestmark = pytest.mark.django_db

RENOVATION = KINDS["renovation"]
ELEVATOR = KINDS["elevator"]
HEAD = ["序号", "小区名称", "所属镇街", "年度", "户数", "幢数", "谋划完成日期",
        "立项完成日期", "开工计划日期", "计划投资（万元）", "已完成投资（万元）",
        "资金来源", "备注"]  # fmt: skip


def workbook(rows: list[list], *, merge: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["府山街道老旧小区改造清单"])
    sheet.merge_cells("A1:F1")
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_it_reads_a_ledger_as_offices_fill_it(fushan_user):
    # The town merged over two rows, 全角 digits, dates as text and as an Excel
    # serial number (46054 = 2026-02-01, a date pasted into a General cell).
    content = workbook(
        [
            HEAD,
            [
                1,
                "仓桥小区",
                "府山街道",
                "2026年",
                "３２０",
                12,
                "2026/1/5",
                46054,
                "2026年3月1日",
                "１,２００",
                300,
                "地方专项债",
                "二期",
            ],
            [
                2,
                "  西小路小区 ",
                None,
                2026,
                80,
                3,
                date(2026, 2, 1),
                None,
                None,
                None,
                None,
                "",
                "",
            ],
            [None, "合计", None, None, 400, 15],
        ],  # fmt: skip
        merge="C3:C4",
    )
    result = ledger_import(
        user=fushan_user, kind=RENOVATION, content=content, dry_run=False
    )
    assert (result.written, result.created, result.failed) == (True, 2, 0)
    first, second = Project.objects.order_by("pk")
    assert (first.name, first.town.name, first.households, first.buildings) == (
        "仓桥小区", "府山街道", 320, 12,
    )  # fmt: skip
    assert (first.stage, first.planned_investment) == ("approved", 1200)
    stages = {
        s.stage: (s.planned_on, s.reached_on) for s in first.stages.order_by("pk")
    }
    assert stages == {
        "planned": (None, date(2026, 1, 5)),
        "approved": (None, date(2026, 2, 1)),
        "started": (date(2026, 3, 1), None),
    }
    assert (second.name, second.town.name) == ("西小路小区", "府山街道")
    assert first.history.get().history_change_reason == "Excel导入"


def test_one_bad_row_writes_nothing_and_names_row_and_column(fushan_user, towns):
    content = workbook([
        HEAD,
        [1, "仓桥小区", "府山街道", 2026, 320, 12, "2026-01-05"],
        [2, "西小路小区", "府山街道", 2026, 12.5, 3],
        [3, "北海小区", "北海街道", 2026, 80, 3],
        [4, "塔山小区", "府山街道", 2026, 80, 3, "2026-03-01", "2026-02-01"],
        [5, "仓桥 小区", "府山街道", 2026, 80, 3],
        [6, "城南小区", "府山街道", 2026, 80, 3, "2026-13-01"],
    ])  # fmt: skip
    result = ledger_import(
        user=fushan_user, kind=RENOVATION, content=content, dry_run=False
    )
    assert not result.written and not Project.objects.exists()
    errors = {line.row: line.errors for line in result.lines}
    assert errors == {
        3: [],
        4: ["E列（户数）：户数须为整数，不能有小数。"],
        5: ["C列（所属镇街）：您无权登记或修改“北海街道”的项目。"],
        6: ["立项日期2026-02-01早于上一阶段“谋划”的2026-03-01。"],
        7: [
            "B列（小区名称）：2026年已登记同名小区：“仓桥小区”（本次导入中前面的一行）。"
        ],
        8: ["G列（谋划完成日期）：“2026-13-01”不是日期（应为2023-06-20这样的写法）"],
    }


def test_spending_above_the_plan_waits_for_a_confirmation(fushan_user):
    content = workbook([HEAD, [1, "仓桥小区", "府山街道", 2026, 320, 12, None,
                               None, None, 100, 150]])  # fmt: skip
    result = ledger_import(
        user=fushan_user, kind=RENOVATION, content=content, dry_run=False
    )
    assert not result.written and result.to_confirm == 1
    assert result.lines[0].warnings == ["已完成投资150万元超过计划投资100万元"]
    result = ledger_import(
        user=fushan_user, kind=RENOVATION, content=content, dry_run=False,
        confirmed=True,
    )  # fmt: skip
    assert result.written and Project.objects.count() == 1


def test_the_export_imports_back_unchanged_and_an_edit_changes_its_project(
    client, fushan_user, add_project
):
    project = add_project(
        kind="elevator", name="府山街道仓桥直街8号", quantity=2,
        reached={"consulted": date(2026, 3, 1)},
        planned={"approved": date(2026, 5, 1)},
        planned_investment=60, spent_investment=10, funding_source="居民出资",
    )  # fmt: skip
    client.force_login(fushan_user)
    exported = client.get("/projects/elevator/?format=xlsx").content
    result = ledger_import(
        user=fushan_user, kind=ELEVATOR, content=exported, dry_run=False
    )
    assert (result.written, result.unchanged, result.failed) == (True, 1, 0)
    assert Project.objects.get().version == project.version
    book = load_workbook(BytesIO(exported))
    sheet = book.active
    head = [c.value for c in sheet[3]]
    sheet.cell(4, head.index("台数") + 1, "3")
    sheet.cell(4, head.index("审批完成日期") + 1, "2026/5/6")
    buffer = BytesIO()
    book.save(buffer)
    result = ledger_import(
        user=fushan_user, kind=ELEVATOR, content=buffer.getvalue(), dry_run=False
    )
    assert (result.written, result.changed) == (True, 1)
    project.refresh_from_db()
    assert (project.quantity, project.stage, project.version) == (3, "approved", 2)
    # The same file again: its 版本 is now an older one, so it undoes nothing.
    result = ledger_import(
        user=fushan_user, kind=ELEVATOR, content=buffer.getvalue(), dry_run=False
    )
    assert not result.written
    assert "已被他人修改" in result.lines[0].errors[0]


def test_the_import_page_previews_then_imports(client, fushan_user):
    client.force_login(fushan_user)
    content = workbook([HEAD, [1, "仓桥小区", "府山街道", 2026, 320, 12]])

    def upload(**flags):
        file = SimpleUploadedFile("府山.xlsx", content)
        url = "/projects/renovation/import/"
        return client.post(url, {"file": file, **flags}).content.decode()

    assert "预览（未写入）" in upload(dry_run="on") and not Project.objects.exists()
    assert "已导入" in upload() and Project.objects.count() == 1
    page = upload()
    assert "整个文件未写入" in page and "已登记同名小区" in page


def ledger_file(rows: int) -> bytes:
    return workbook([HEAD] + [
        [i, f"仓桥{i}号小区", "府山街道", 2026, 100 + i, 4, "2026-01-05",
         "2026-02-01" if i % 2 else None, "2026-12-01", 500, 100, "中央补助", ""]
        for i in range(1, rows + 1)
    ])  # fmt: skip


def import_queries(user, content: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = ledger_import(
            user=user, kind=RENOVATION, content=content, dry_run=False
        )
    assert result.written and not result.failed
    return len(queries)


def test_the_import_costs_the_same_queries_for_10_rows_as_for_200(fushan_user):
    # SQLite takes at most 999 values per statement, so the inserts are cut into
    # statements of as many rows as fit: the one count that grows, by one per
    # statement, where a query per row would add hundreds. PostgreSQL has no such
    # limit: one statement whatever the rows.
    limit = connection.features.max_query_params
    project_fields = len(Project._meta.concrete_fields) - 1
    stage_fields = len(ProjectStage._meta.concrete_fields) - 1

    def statements(rows: int) -> int:
        if not limit:
            return 0
        stages = rows * 2 + rows // 2
        return -(-rows // (limit // project_fields)) + -(
            -stages // (limit // stage_fields)
        )

    small = import_queries(fushan_user, ledger_file(10))
    Project.objects.all().delete()
    assert import_queries(fushan_user, ledger_file(200)) == small + (
        statements(200) - statements(10)
    )
    assert ProjectStage.objects.count() == 500
    # The export imported back, every row edited: changed in a fixed count too.
    ids = list(Project.objects.order_by("pk").values_list("pk", "version"))
    changed = workbook([["编号", "版本", *HEAD]] + [
        [pk, version, i, f"仓桥{i}号小区", "府山街道", 2026, 100 + i, 5,
         "2026-01-05", "2026-02-01", "2026-12-01", 500, 100, "中央补助", "复核"]
        for i, (pk, version) in enumerate(ids, 1)
    ])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        result = ledger_import(
            user=fushan_user, kind=RENOVATION, content=changed, dry_run=False
        )
    assert (result.written, result.changed) == (True, 200)
    assert len(queries) <= small + 10
    assert set(Project.objects.values_list("buildings", flat=True)) == {5}
    assert all(p.history.count() == 2 for p in Project.objects.all())
