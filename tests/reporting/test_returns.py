"""Excel returns: templates, a forgiving reader, preview, all-or-nothing import."""

import io
import os
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from reporting.models import IndicatorValue, ItemProgress, MonthlyReport, ReturnImport
from reporting.returns_export import returns_export
from reporting.returns_import import parse_return, return_import, return_run
from reporting.returns_template import INDICATOR_HEADERS, ITEM_HEADERS, return_template
from reporting.services import indicator_value_save, item_progress_save
from reporting.transitions import report_approve
from reporting.work_list_import import parse_work_list, work_list_create
from tasks.models import ChecklistItem, WorkList
from units.models import Unit
from units.roles import Role
from units.selectors import unit_by_name
from yuecheng_housing.lib.xlsx_safety import ReturnFileError, check_file

from ..conftest import with_cell_value
from ..lib.spreadsheets import xlsb

pytestmark = pytest.mark.django_db
JUNE = date(2023, 6, 1)


def xlsx(rows, *, title="指标", before=(), items=None, percent_cells=()):
    """Build a return the way a person might: title rows, then a header, then data."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in before:
        sheet.append(row)
    for row in rows:
        sheet.append(row)
    for ref in percent_cells:
        sheet[ref].number_format = "0%"
    if items is not None:
        other = book.create_sheet("工作清单")
        for row in items:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(data, admin_user, name="报表.xlsx", commit=True):
    return return_import(data=data, name=name, user=admin_user, commit=commit)


def value(code, unit="区建设局", period=JUNE):
    return IndicatorValue.objects.get(
        indicator__code=code, report__unit__name=unit, report__period=period
    ).value


# Templates


def test_template_has_the_exact_columns_prefilled_and_protected(plan):
    data = return_template(units=[unit_by_name("区建设局")], period=JUNE)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["指标", "工作清单", "填报说明"]
    indicators, items = book["指标"], book["工作清单"]
    assert (
        "区建设局" in indicators["A1"].value and "2023年6月" in indicators["A1"].value
    )
    assert [c.value for c in indicators[2]] == INDICATOR_HEADERS
    assert [c.value for c in items[2]] == ITEM_HEADERS
    assert indicators.max_row == 2 + 14 and items.max_row == 2 + 25
    assert indicators["A3"].value == 1 and indicators["E3"].value == "2023-06"
    assert indicators.protection.sheet
    assert indicators["F3"].protection.locked is False  # 本期数值
    assert indicators["B3"].protection.locked is True
    dropdown = items.data_validations.dataValidation[0]
    assert dropdown.formula1 == '"未开始,推进中,已完成"' and dropdown.showErrorMessage
    assert "F3" in dropdown.sqref


def test_template_download_is_scoped_to_the_users_units(client, plan, make_user):
    client.force_login(make_user("w", Role.REPORTER, ["区建设局"]))
    own = unit_by_name("区建设局").pk
    response = client.get(f"/report/template/?unit={own}&period=2023-06")
    assert response.status_code == 200
    assert (
        "%E5%8C%BA%E5%BB%BA%E8%AE%BE%E5%B1%80-2023-06.xlsx"
        in response["Content-Disposition"]
    )
    other = unit_by_name("区民政局").pk
    assert (
        client.get(f"/report/template/?unit={other}&period=2023-06").status_code == 403
    )
    assert client.get("/report/template/?unit=all&period=2023-06").status_code == 403


def test_templates_and_exports_print_on_a4_landscape_fitted_to_width(plan):
    for data in (
        return_template(units=[unit_by_name("区建设局")], period=JUNE),
        returns_export(year=2023),
    ):
        for sheet in load_workbook(io.BytesIO(data)).worksheets[:2]:
            setup = sheet.page_setup
            assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)
            assert setup.fitToWidth == 1 and setup.fitToHeight == 0
            assert sheet.sheet_properties.pageSetUpPr.fitToPage
            assert sheet.print_title_rows.replace("$", "") == "1:2"


def test_template_command(plan, tmp_path):
    out = tmp_path / "t.xlsx"
    call_command(
        "return_template", unit=["区建设局"], period="2023-06", output=out,
        stdout=io.StringIO(),
    )  # fmt: skip
    assert load_workbook(out)["指标"].max_row == 16
    with pytest.raises(CommandError, match="未知单位"):
        call_command("return_template", unit=["区宣传部"], period="2023-06")
    with pytest.raises(CommandError, match="不存在"):
        call_command("return_template", unit=["区建设局"], period="2023-13")


# Reading real spreadsheets


def test_a_filled_template_imports_with_preview_first(plan, admin_user):
    book = load_workbook(
        io.BytesIO(return_template(units=[unit_by_name("区建设局")], period=JUNE))
    )
    book["指标"]["F3"] = 29.5
    book["指标"]["F4"] = "1.4475万"
    book["工作清单"]["F3"] = "已完成"
    book["工作清单"]["G3"] = date(2023, 6, 20)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    preview, log = run(data, admin_user, commit=False)
    assert preview.errors == [] and log.status == "preview"
    assert {c.action for c in preview.changes} == {"created"}
    assert not IndicatorValue.objects.exists()  # nothing written before confirm

    result, log = run(data, admin_user)
    assert log.status == "imported" and (log.created, log.failed) == (3, 0)
    assert value(1) == Decimal("29.5") and value(2) == Decimal("1.4475")
    progress = ItemProgress.objects.get()
    assert progress.status == "done" and progress.completed_on == date(2023, 6, 20)
    record = IndicatorValue.objects.get(indicator__code=1).history.first()
    assert record.history_change_reason == "Excel导入：报表.xlsx"

    again, log = run(data, admin_user)
    assert again.duplicate_of is not None and log.status == "duplicate"
    assert IndicatorValue.history.count() == 2


def test_a_failing_item_line_rolls_back_the_values_of_the_same_file(plan, admin_user):
    book = load_workbook(
        io.BytesIO(return_template(units=[unit_by_name("区建设局")], period=JUNE))
    )
    book["指标"]["F3"] = 29.5
    book["指标"]["F4"] = "1.4475万"
    book["工作清单"]["F3"] = "已完成"
    book["工作清单"]["G3"] = date(2099, 6, 20)  # done in the future: refused
    buffer = io.BytesIO()
    book.save(buffer)
    result, log = run(buffer.getvalue(), admin_user)
    assert log.status == "failed"
    assert any("完成日期不能晚于今天" in e for e in result.errors)
    # The two values were valid and went through the service first; the item's
    # failure takes them back with it: nothing of the file is stored.
    assert not IndicatorValue.objects.exists()
    assert not IndicatorValue.history.exists()
    assert not ItemProgress.objects.exists()
    assert not MonthlyReport.objects.exists()


def test_a_newer_file_updates_through_the_service(plan, admin_user):
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    run(xlsx([header, [1, "区建设局", "2023-06", 29]]), admin_user)
    result, log = run(xlsx([header, [1, "区建设局", "2023-06", 30]]), admin_user)
    assert (log.changed, log.unchanged) == (1, 0)
    assert [c.old for c in result.changes] == ["29"]
    assert value(1) == 30


def test_tolerant_of_layout_headers_and_value_formats(plan, admin_user, towns):
    rows = [
        ["备注列", "本 月 数", "（期间）", "填报单位", "指标编号", "说明"],
        ["x", "85%", "2023/6", "建设局", 5, "年中普查"],
        [None, 0.3, date(2023, 6, 1), "区建设局", 1, None],
        [None, "１,２３４", "2023年6月", "府山街道", 4, None],
        [None, " 26 ", "2023-06", "北海街道", 4, None],
        [None, "1.4475万", "2023-06", "区建设局", 2, None],
        [None, None, None, None, None, None],
        ["合计", 9999, None, None, None, None],
    ]
    data = xlsx(
        rows,
        before=[["越城区“住有宜居”月度报表"], [], ["（2023年6月）"]],
        percent_cells=["B6"],
    )
    result, log = run(data, admin_user)
    assert result.errors == [], result.errors
    assert value(5) == 85 and value(1) == 30 and value(2) == Decimal("1.4475")
    assert value(4, "府山街道") == 1234 and value(4, "北海街道") == 26
    assert log.created == 5


def test_formulas_are_read_by_their_cached_values(plan, admin_user, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append(["指标编号", "填报单位", "期间", "本期数值"])
    sheet.append([1, "区建设局", "2023-06", "=10+20"])
    path = tmp_path / "formula.xlsx"
    book.save(path)
    # openpyxl stores no cached value: the import must refuse, not read zero.
    result, log = run(path.read_bytes(), admin_user)
    assert log.status == "failed" and not IndicatorValue.objects.exists()
    assert "公式没有计算结果" in result.errors[0]
    if shutil.which("soffice"):
        recalculated = _resave_with_libreoffice(path, tmp_path)
        result, log = run(recalculated, admin_user, name="recalculated.xlsx")
        assert result.errors == [] and value(1) == 30


def test_errors_name_sheet_row_and_column_and_the_file_writes_nothing(plan, admin_user):
    rows = [
        ["指标编号", "填报单位", "期间", "本期数值"],
        [1, "区建设局", "2023-06", 30],
        [2, "区宣传部", "2023-06", 1.5],
        [3, "区建设局", "2023-13", 0.15],
        [5, "区建设局", "2023-06", "约85"],
        [1, "区建设局", "2023-07", 130],
    ]
    result, log = run(xlsx(rows), admin_user)
    assert log.status == "failed" and not IndicatorValue.objects.exists()
    errors = "\n".join(result.errors)
    assert "“指标”表第3行“填报单位”列：未知单位“区宣传部”" in errors
    assert "第4行“期间”列：月份“2023-13”不存在" in errors
    assert "第5行“本期数值”列：“约85”不是数字" in errors
    assert "第6行：比率应在0至100之间" in errors


def test_hostile_cells_are_refused_on_their_row_never_guessed(plan, admin_user):
    rows = [
        ["指标编号", "填报单位", "期间", "本期数值"],
        [4.7, "区建设局", "2023-06", 100],  # not rounded onto indicator 4
        [1, "区建设局", "9999-12", 30],
        [1, "区建设局", "0001-01", 30],
        [14, "区建设局", "2023-06", 10**12],
        [10**15, "区建设局", "2023-06", 1],
    ]
    result, log = run(xlsx(rows), admin_user)
    assert log.status == "failed" and not IndicatorValue.objects.exists()
    errors = "\n".join(result.errors)
    assert "第2行“指标编号”列：编号“4.7”应为正整数" in errors
    assert "第3行“期间”列：月份“9999-12”超出可处理的年份范围" in errors
    assert "第4行“期间”列" in errors
    assert "第5行：数值过大" in errors
    assert "第6行“指标编号”列" in errors


def test_warnings_for_a_drop_and_a_probable_unit_slip(plan, admin_user):
    header = ["指标编号", "填报单位", "期间", "本期数值", "说明"]
    run(xlsx([header, [2, "区建设局", "2023-05", 1.4, None]]), admin_user)
    run(xlsx([header, [3, "区建设局", "2023-05", 0.0015, None]]), admin_user)
    result, _ = run(
        xlsx([header, [2, "区建设局", "2023-06", 1.3, None]]), admin_user, name="a.xlsx"
    )
    assert "累计数低于上月" in result.errors[0]  # a drop needs a reason in 说明
    result, _ = run(
        xlsx(
            [
                header,
                [2, "区建设局", "2023-06", 1.3, "核减重复统计"],
                [3, "区建设局", "2023-06", 15, None],
            ]
        ),
        admin_user,
        name="b.xlsx",
    )
    warnings = [w for c in result.changes for w in c.warnings]
    assert any("累计数低于上月（1.4）" in w for w in warnings)
    assert any("10倍以上" in w for w in warnings)
    assert IndicatorValue.objects.get(
        indicator__code=2, report__period=JUNE
    ).needs_review


def test_a_locked_month_is_an_error_for_that_file(plan, admin_user, record):
    record("区建设局", 1, "2023-06", "30")  # approved: locked
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    result, log = run(xlsx([header, [1, "区建设局", "2023-06", 31]]), admin_user)
    assert log.status == "failed" and "已审核锁定" in result.errors[0]
    assert value(1) == 30


# Safety


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "文件是空的"),
        (b"MZ\x90\x00" + b"\x00" * 200, "无法识别的文件类型"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "文件不完整"),
        (b"PK\x03\x04broken", "文件不完整（可能上传中断）"),
        (b"PK\x03\x04" + b"0" * (10 * 1024 * 1024 + 1), "超过10MB上限"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_what_it_is(data, message):
    with pytest.raises(ReturnFileError, match=message):
        check_file(data, "报表.xlsx")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_macros_are_ignored_and_zip_bombs_refused():
    base = io.BytesIO()
    Workbook().save(base)
    with zipfile.ZipFile(base) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    # Macros are never run: the cells are read, and the preview says so.
    assert check_file(_zip({**parts, "xl/vbaProject.bin": b"x"}), "a.xlsm") == "xlsm"
    with pytest.raises(ReturnFileError, match="压缩炸弹"):
        check_file(_zip({**parts, "xl/big.xml": b"0" * (50 * 1024 * 1024)}), "b.xlsx")


def test_an_xml_entity_bomb_is_refused(plan, admin_user):
    base = io.BytesIO()
    Workbook().save(base)
    with zipfile.ZipFile(base) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"&lol2;</workbook>"
    )
    with pytest.raises(ReturnFileError):
        run(_zip({**parts, "xl/workbook.xml": bomb}), admin_user)
    assert not IndicatorValue.objects.exists()


def test_a_path_in_the_file_name_chooses_nothing(plan, admin_user):
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    _, log = run(
        xlsx([header, [1, "区建设局", "2023-06", 30]]), admin_user, name="../../x.xlsx"
    )
    assert log.file_name == "x.xlsx"
    assert bytes(log.content).startswith(b"PK")  # kept in the row, no path at all


def test_too_many_rows_are_refused(plan, admin_user, monkeypatch):
    monkeypatch.setattr("reporting.returns_import.MAX_ROWS", 5)
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    rows = [header] + [[1, "区建设局", "2023-06", 30]] * 10
    with pytest.raises(ReturnFileError, match="超过5行"):
        parse_return(xlsx(rows), "big.xlsx")


# Pages and commands


def test_import_page_previews_then_commits_only_clean_files(client, admin_user):
    client.force_login(admin_user)
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    good = io.BytesIO(xlsx([header, [1, "区建设局", "2023-06", 30]]))
    good.name = "good.xlsx"
    bad = io.BytesIO(xlsx([header, [1, "区建设局", "2023-06", 300]]))
    bad.name = "bad.xlsx"
    response = client.post("/imports/", {"action": "preview", "files": [good, bad]})
    batch = response.url
    html = client.get(batch).content.decode()
    assert "预览（尚未写入）" in html and "0至100之间" in html
    assert "确认导入无错误的文件（1个）" in html
    assert not IndicatorValue.objects.exists()
    html = client.post(batch, {"action": "commit"}, follow=True).content.decode()
    assert value(1) == 30
    assert "导入结果" in html and "已导入" in html
    log = ReturnImport.objects.filter(status="imported").get()
    assert log.file_name == "good.xlsx" and log.created == 1
    assert ReturnImport.objects.get(file_name="bad.xlsx").status == "failed"
    assert client.get(f"/imports/{log.pk}/file/").status_code == 200
    # The page polls this while the worker reads and writes.
    state = client.get(batch + "progress/").json()
    assert state["working"] is False
    assert {f["status"] for f in state["files"]} == {"已导入", "有错误，未导入"}


def test_import_page_and_files_are_for_admins_only(client, plan, make_user):
    client.force_login(make_user("w", Role.REPORTER, ["区建设局"]))
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/export/?year=2023").status_code == 403


def test_import_command_exit_status_and_dry_run(plan, admin_user, tmp_path):
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([header, [1, "区建设局", "2023-06", 30]]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    out = io.StringIO()
    call_command(
        "import_returns", str(good), dry_run=True, user="coordinator", stdout=out
    )
    assert "可导入" in out.getvalue() and not IndicatorValue.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_returns", str(good), str(bad), stdout=io.StringIO())
    assert value(1) == 30  # the good file went ahead


# Work lists and export


def _work_list_2024() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2024年“住有宜居”主要指标工作清单"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "指标体系", "2024 年目标", "工作清单", "完成期限"])
    sheet.append(
        [
            1,
            "保障性租赁住房建设筹集套（间）数",
            1.55,
            "做好保障性租赁住房项目认定。",
            "6 月底前",
        ]
    )
    sheet.append([None, None, None, "推进完成保障性租赁住房筹建。", "12 月底前"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("C3:C4")
    sheet.append(
        [2, "创县级及以上优质工程（个）", 9, "做好兰花杯推荐工作。", "4月中旬"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_2024_work_list_from_an_annex_2_layout(plan):
    draft = parse_work_list(_work_list_2024())
    assert draft.errors == [] and draft.year == 2024
    first, second = draft.entries
    assert (first.seq, first.target, first.key_task.number) == (1, Decimal("1.55"), 1)
    assert [(i.text, i.label, i.lead) for i in first.items] == [
        ("做好保障性租赁住房项目认定", "6月底前", None),
        ("推进完成保障性租赁住房筹建", "12月底前", None),
    ]
    assert (second.name, second.unit, second.indicator.code) == (
        "创县级及以上优质工程",
        "个",
        8,
    )
    work_list = work_list_create(draft=draft)
    deadlines = list(
        ChecklistItem.objects.filter(entry__work_list=work_list)
        .order_by("entry__seq", "position")
        .values_list("deadline", flat=True)
    )
    assert deadlines == [date(2024, 6, 30), date(2024, 12, 31), date(2024, 4, 20)]
    with pytest.raises(Exception, match="已存在，不会覆盖"):
        work_list_create(draft=parse_work_list(_work_list_2024()))
    assert WorkList.objects.filter(year=2024).count() == 1


def test_export_reimports_to_the_same_state(plan, admin_user, record):
    record("区建设局", 1, "2023-05", "30")
    note = '=HYPERLINK("http://x")'
    record("区建设局", 2, "2023-06", "1.4", status="draft")
    IndicatorValue.objects.get(indicator__code=2)  # exists
    indicator_value_save(
        user=admin_user, unit=unit_by_name("区建设局"),
        indicator=IndicatorValue.objects.get(indicator__code=2).indicator,
        period=JUNE, value=Decimal("1.4"), note=note,
    )  # fmt: skip
    data = returns_export(year=2023)
    sheet = load_workbook(io.BytesIO(data))["指标"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == note]
    assert cells and cells[0].data_type == "s"  # text, not a formula
    before = IndicatorValue.history.count()
    parsed = parse_return(data, "export.xlsx")
    result = return_run(parsed=parsed, user=admin_user, commit=True)
    assert {c.action for c in result.changes} == {"unchanged"}, result.errors
    assert IndicatorValue.history.count() == before


def _resave_with_libreoffice(path, tmp_path) -> bytes:
    out = tmp_path / "lo"
    out.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    return (out / path.name).read_bytes()


@pytest.mark.skipif(
    not shutil.which("soffice") and not os.getenv("REQUIRE_LIBREOFFICE"),
    reason="apt-get install libreoffice-calc-nogui",
)
def test_a_template_filled_and_resaved_by_libreoffice_imports(
    plan, admin_user, tmp_path
):
    book = load_workbook(
        io.BytesIO(return_template(units=[unit_by_name("区建设局")], period=JUNE))
    )
    book["指标"]["F3"] = "８５%"  # 城镇住房保障受益覆盖率
    book["指标"]["F16"] = 35.2
    book["工作清单"]["F3"] = "推进中"
    path = tmp_path / "区建设局-2023-06.xlsx"
    book.save(path)
    resaved = _resave_with_libreoffice(path, tmp_path)
    result, log = run(resaved, admin_user, name=path.name)
    assert result.errors == [] and log.status == "imported"
    assert value(1) == 85 and value(14) == Decimal("35.2")
    assert ItemProgress.objects.get().status == "in_progress"


def test_a_return_that_opens_over_a_thousand_months_imports(plan, admin_user):
    # SQLite refuses a query nested a thousand deep: new months are created in bulk,
    # not looked up again one OR at a time.
    group = unit_by_name("各镇街")
    towns = [
        Unit.objects.create(name=f"测试街道{i}", kind="town", parent=group, position=i)
        for i in range(30)
    ]
    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(40)]
    rows = [["指标编号", "填报单位", "期间", "本期数值"]] + [
        [4, town.name, f"{month:%Y-%m}", 10 + index]
        for town in towns
        for index, month in enumerate(months)
    ]
    result, log = run(xlsx(rows), admin_user)
    assert result.errors == [] and log.status == "imported"
    assert MonthlyReport.objects.count() == 1200
    assert IndicatorValue.objects.count() == 1200


def test_a_completion_date_after_the_returns_month_must_be_confirmed(
    plan, admin_user, tmp_path
):
    # "6月30日" typed in a December 2023 return: the spreadsheet adds this year.
    book = load_workbook(
        io.BytesIO(
            return_template(units=[unit_by_name("区建设局")], period=date(2023, 12, 1))
        )
    )
    book["工作清单"]["F3"] = "已完成"
    book["工作清单"]["G3"] = date(2026, 6, 30)
    path = tmp_path / "十二月.xlsx"
    book.save(path)
    with pytest.raises(CommandError):
        call_command("import_returns", str(path), stdout=io.StringIO())
    assert not ItemProgress.objects.exists()
    preview, _ = run(path.read_bytes(), admin_user, commit=False)
    warnings = [w for c in preview.changes for w in c.warnings]
    assert any("晚于所报月份（2023年12月）" in w for w in warnings)
    run(path.read_bytes(), admin_user)  # the web commit confirms what it previewed
    assert "晚于所报月份" in ItemProgress.objects.get().warnings


def test_an_import_says_what_it_does_and_may_submit_a_whole_month(
    plan, admin_user, client
):
    unit = unit_by_name("区建设局")
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    first = xlsx([header, [1, "区建设局", "2023-06", 29.5]])
    result, log = return_import(
        data=first, name="a.xlsx", user=admin_user, commit=True, submit=True
    )
    assert log.status == "failed"
    assert any("还有指标未填，不能报送" in e for e in result.errors)
    result, log = run(first, admin_user)  # as a draft: fine
    assert log.status == "imported" and "导入后为草稿" in result.outcome
    assert MonthlyReport.objects.get(unit=unit).status == "draft"
    # The rest of the month in a second file: the month is whole, so it is sent.
    book = load_workbook(io.BytesIO(return_template(units=[unit], period=JUNE)))
    sheet = book["指标"]
    for row in sheet.iter_rows(min_row=3):
        code = row[0].value
        if code and code != 1:
            row[5].value = {2: "1.4475万", 3: 0.15, 8: 11, 10: 1}.get(code, 90)
    buffer = io.BytesIO()
    book.save(buffer)
    result, log = return_import(
        data=buffer.getvalue(), name="b.xlsx", user=admin_user, commit=True,
        submit=True,
    )  # fmt: skip
    assert result.errors == [], result.errors
    assert "报送审核" in result.outcome
    assert MonthlyReport.objects.get(unit=unit).status == "submitted"
    client.force_login(admin_user)
    july = xlsx([header, [1, "区建设局", "2023-07", 30]])
    page = client.post(
        "/imports/", {"action": "preview", "then": "submit",
                      "files": SimpleUploadedFile("c.xlsx", july)}, follow=True,
    ).content.decode()  # fmt: skip
    assert "还有指标未填，不能报送" in page and "没有可以导入的文件" in page
    assert 'value="commit"' not in page  # no confirm button for a file with errors
    page = client.post(
        "/imports/", {"action": "preview", "then": "draft",
                      "files": SimpleUploadedFile("d.xlsx", july)}, follow=True,
    ).content.decode()  # fmt: skip
    assert page.index('value="commit"') < page.index("import-counts")  # on top


@pytest.mark.skipif(
    not shutil.which("soffice") and not os.getenv("REQUIRE_LIBREOFFICE"),
    reason="apt-get install libreoffice-calc-nogui",
)
def test_an_export_saved_by_libreoffice_reimports_with_no_change(
    plan, admin_user, record, tmp_path
):
    record("区建设局", 1, "2023-05", "30")
    record("区建设局", 2, "2023-04", "1.4475")
    indicator_value_save(
        user=admin_user, unit=unit_by_name("区建设局"),
        indicator=IndicatorValue.objects.get(indicator__code=1).indicator,
        period=JUNE, value=Decimal("30.5"), note="第一行\r\n第二行 =不是公式",
    )  # fmt: skip
    item = ChecklistItem.objects.filter(entry__work_list__year=2023).first()
    item_progress_save(
        user=admin_user, unit=unit_by_name("区建设局"), item=item, period=JUNE,
        status="done", completed_on=date(2023, 6, 20), note="已完成认定",
    )  # fmt: skip
    record("区建设局", 5, "2023-06", "89.12", status="submitted")
    path = tmp_path / "住有宜居报送数据-2023年.xlsx"
    path.write_bytes(returns_export(year=2023))
    before = IndicatorValue.history.count()
    resaved = _resave_with_libreoffice(path, tmp_path)
    result, log = run(resaved, admin_user, name="再导入.xlsx")
    assert result.errors == [], result.errors
    assert {c.action for c in result.changes} == {"unchanged"}
    # Kept as .ods, imported as such, then saved as .xlsx again: still no change.
    ods = _convert(path, tmp_path / "ods", "ods")
    result, log = run(ods.read_bytes(), admin_user, name=ods.name)
    assert result.errors == [], result.errors
    assert {c.action for c in result.changes} == {"unchanged"}
    back = _convert(ods, tmp_path / "back", "xlsx")
    result, log = run(back.read_bytes(), admin_user, name="ods再导入.xlsx")
    assert result.errors == [], result.errors
    assert {c.action for c in result.changes} == {"unchanged"}
    assert IndicatorValue.history.count() == before


def _convert(path, out, to: str):
    out.mkdir(exist_ok=True)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", to, "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
        env={"HOME": str(out), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )  # fmt: skip
    return out / f"{path.stem}.{to}"


def test_nan_and_inf_cells_are_named_by_row_and_column(plan, admin_user):
    rows = [
        ["指标编号", "填报单位", "期间", "本期数值"],
        [1, "区建设局", "2023-06", 0.125],
        [2, "区建设局", "2023-06", 0.375],
        [0.625, "区建设局", "2023-06", 30],
        [3, "区建设局", "2023-06", 40],
    ]
    data = with_cell_value(xlsx(rows), b"0.125", b"NaN")
    data = with_cell_value(data, b"0.375", b"1e999")
    data = with_cell_value(data, b"0.625", b"-Infinity")
    result, log = run(data, admin_user)
    assert log.status == "failed" and not IndicatorValue.objects.exists()
    assert result.errors == [
        "“指标”表第2行“本期数值”列：数值无效（NaN）",
        "“指标”表第3行“本期数值”列：数值无效（无穷大）",
        "“指标”表第4行“指标编号”列：编号数值无效（无穷大）",
    ]


def test_nan_beside_a_formula_error_is_still_named_by_its_cell(plan, admin_user):
    # A formula error sends the file to openpyxl, which cannot read "NaN" at all:
    # the cell is kept as text and refused on its row, not the file as damaged.
    rows = [
        ["指标编号", "填报单位", "期间", "本期数值"],
        [1, "区建设局", "2023-06", 0.125],
        [2, "区建设局", "2023-06", "#NAME?"],
    ]
    data = with_cell_value(xlsx(rows), b"0.125", b"NaN")
    result, log = run(data, admin_user)
    assert log.status == "failed"
    errors = "\n".join(result.errors)
    assert "“指标”表第2行“本期数值”列：数值无效（NaN）" in errors
    assert "第3行“本期数值”列：单元格是公式错误值“#NAME?”" in errors


def test_a_work_list_target_holding_nan_is_named_by_row_and_column(plan):
    data = with_cell_value(_work_list_2024(), b"1.55", b"NaN")
    assert parse_work_list(data).errors[0] == "第3行C列：年度目标数值无效（NaN）"


def _filled(units, period=JUNE, change=None) -> bytes:
    """The template of these units for `period`, every empty 本期数值 filled as a
    whole month needs it; `change` then edits the sheet."""
    book = load_workbook(io.BytesIO(return_template(units=units, period=period)))
    sheet = book["指标"]
    for row in sheet.iter_rows(min_row=3):
        code = row[0].value
        if code and row[5].value in (None, ""):
            row[5].value = {2: "1.4475万", 3: 0.15, 8: 11, 10: 1}.get(code, 90)
    if change:
        change(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _approve(unit, period=JUNE, admin_user=None):
    report = MonthlyReport.objects.get(unit=unit, period=period)
    report_approve(user=admin_user, report=report)


def test_an_all_units_template_with_approved_months_imports_and_submits(
    plan, admin_user, towns
):
    office, town = unit_by_name("区建设局"), towns[0]
    result, log = return_import(
        data=_filled([office]), name="a.xlsx", user=admin_user, commit=True,
        submit=True,
    )  # fmt: skip
    assert result.errors == [], result.errors
    _approve(office, admin_user=admin_user)
    before = IndicatorValue.history.count()
    # The all-units template: the approved month comes back as stored.
    data = _filled([office, town])
    for commit in (False, True):
        result, log = return_import(
            data=data, name="全部单位.xlsx", user=admin_user, commit=commit,
            submit=True,
        )  # fmt: skip
        assert result.errors == [], result.errors
        office_rows = [c for c in result.changes if c.line.unit == office]
        assert office_rows and {c.action for c in office_rows} == {"unchanged"}
        assert {c.action for c in result.changes if c.line.unit == town} == {"created"}
        assert "区建设局2023年6月已审核锁定" in result.outcome
        assert "跳过，不再报送" in log.outcome["outcome"]
    assert log.status == "imported"
    assert MonthlyReport.objects.get(unit=office).status == "approved"
    assert MonthlyReport.objects.get(unit=town).status == "submitted"
    office_history = IndicatorValue.history.filter(report__unit=office)
    assert office_history.count() == before  # nothing written to the locked month


def test_a_changed_row_for_an_approved_month_names_its_state_and_who_unlocks(
    plan, admin_user, towns
):
    office, town = unit_by_name("区建设局"), towns[0]
    return_import(
        data=_filled([office]), name="a.xlsx", user=admin_user, commit=True,
        submit=True,
    )  # fmt: skip
    _approve(office, admin_user=admin_user)

    def change(sheet):
        for row in sheet.iter_rows(min_row=3):
            if row[0].value == 1 and row[3].value == "区建设局":
                row[5].value = 91

    for submit in (False, True):
        result, log = return_import(
            data=_filled([office, town], change=change), name=f"{submit}.xlsx",
            user=admin_user, commit=True, submit=submit,
        )  # fmt: skip
        assert log.status == "failed"
        assert len(result.errors) == 1, result.errors
        assert (
            "区建设局2023年6月已审核锁定：如需修改，请管理员在该月的“修改历史”页"
            "解锁（退回该单位）后再改" in result.errors[0]
        )
        assert result.errors[0].startswith("“指标”表第")
    assert value(1) == 90
    assert not IndicatorValue.objects.filter(report__unit=town).exists()
    assert MonthlyReport.objects.get(unit=office).status == "approved"


def test_submitting_a_file_of_only_approved_months_submits_nothing_and_fails_not(
    plan, admin_user
):
    office = unit_by_name("区建设局")
    data = _filled([office])
    return_import(data=data, name="a.xlsx", user=admin_user, commit=True, submit=True)
    _approve(office, admin_user=admin_user)
    again = _filled([office])  # the template again: the same values, a new file
    result, log = return_import(
        data=again, name="b.xlsx", user=admin_user, commit=True, submit=True
    )
    assert result.errors == [] and log.status == "imported"
    assert {c.action for c in result.changes} == {"unchanged"}
    report = MonthlyReport.objects.get(unit=office)
    assert report.status == "approved" and report.history.count() == 3  # +, 报送, 审核


def _lines(parsed) -> list[tuple]:
    return [
        (
            line.sheet,
            line.row,
            line.unit.pk,
            line.period,
            line.indicator.code if line.indicator else None,
            line.value,
            line.note,
            line.item.pk if line.item else None,
            line.status,
            line.completed_on,
        )  # fmt: skip
        for line in parsed.lines
    ]


@pytest.mark.skipif(
    not shutil.which("soffice") and not os.getenv("REQUIRE_LIBREOFFICE"),
    reason="apt-get install libreoffice-calc-nogui",
)
def test_the_same_return_in_every_format_stores_the_same_values(
    plan, admin_user, tmp_path
):
    office = unit_by_name("区建设局")
    book = load_workbook(io.BytesIO(return_template(units=[office], period=JUNE)))
    sheet = book["指标"]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value:
            row[5].value = {2: "1.4475万", 3: 0.15, 8: 11, 10: 1}.get(row[0].value, 90)
    sheet["F3"], sheet["F3"].number_format = 0.85, "0%"  # 85%, stored as 0.85
    sheet["F4"] = 1.4475
    sheet["G5"] = "核减重复统计"
    book["工作清单"]["F3"] = "已完成"
    book["工作清单"]["G3"] = date(2023, 6, 20)
    path = tmp_path / "区建设局-2023-06.xlsx"
    book.save(path)
    files = {"xlsx": path.read_bytes()}
    for kind in ("xls", "ods"):
        files[kind] = _convert(path, tmp_path / kind, kind).read_bytes()
    files["et"] = files["xls"]  # WPS's .et is a .xls inside
    parsed = {kind: parse_return(data, f"报表.{kind}") for kind, data in files.items()}
    for kind, one in parsed.items():
        assert [str(e) for e in one.errors] == [], kind
    expected = _lines(parsed["xlsx"])
    assert len(expected) == 15 and expected[0][5] == 85
    for kind in ("xls", "et", "ods"):
        assert _lines(parsed[kind]) == expected, kind

    result, log = run(files["xlsx"], admin_user)
    assert result.errors == [] and log.status == "imported"
    stored = sorted(
        IndicatorValue.objects.values_list("indicator__code", "value", "note")
    )
    before = IndicatorValue.history.count()
    for kind in ("xls", "ods"):
        result, log = run(files[kind], admin_user, name=f"报表.{kind}")
        assert result.errors == [], (kind, result.errors)
        assert {c.action for c in result.changes} == {"unchanged"}, kind
    assert IndicatorValue.history.count() == before
    assert (
        sorted(IndicatorValue.objects.values_list("indicator__code", "value", "note"))
        == stored
    )
    assert value(1) == 85 and value(2) == Decimal("1.4475")


def test_an_xlsb_return_stores_the_same_values_as_the_xlsx(plan, admin_user):
    # LibreOffice does not write .xlsb: the same cells, built as one.
    rows = [
        ["指标编号", "填报单位", "期间", "本期数值", "说明"],
        [1, "区建设局", "2023-06", 0.85, None],
        [2, "区建设局", "2023-06", "1.4475万", "核减重复统计"],
        [5, None, "2023-06", 89.5, None],
    ]
    as_xlsx = xlsx(rows, percent_cells=["D2"])
    # 填报单位 merged down over the last two rows, as offices lay it out.
    as_xlsb = xlsb(rows, percent={(1, 3)}, merges=[(2, 3, 1, 1)])
    book = load_workbook(io.BytesIO(as_xlsx))
    book.active.merge_cells("B3:B4")
    buffer = io.BytesIO()
    book.save(buffer)
    expected = _lines(parse_return(buffer.getvalue(), "报表.xlsx"))
    assert len(expected) == 3 and expected[0][5] == 85
    assert _lines(parse_return(as_xlsb, "报表.xlsb")) == expected
    result, log = run(as_xlsb, admin_user, name="报表.xlsb")
    assert result.errors == [] and log.status == "imported"
    assert value(1) == 85 and value(5) == Decimal("89.5")


def test_an_xlsm_imports_its_cells_and_the_preview_says_its_macros_were_not_run(
    plan, admin_user, client
):
    header = ["指标编号", "填报单位", "期间", "本期数值"]
    with zipfile.ZipFile(
        io.BytesIO(xlsx([header, [1, "区建设局", "2023-06", 30]]))
    ) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    data = _zip({**parts, "xl/vbaProject.bin": b"Attribute VB_Name"})
    result, log = run(data, admin_user, name="带宏.xlsm", commit=False)
    assert result.errors == [] and log.status == "preview"
    assert any("宏未运行" in note for note in log.outcome["notes"])
    client.force_login(admin_user)
    page = client.get("/imports/").content.decode()
    assert 'accept=".xlsx,.xlsm,.xls,.et,.ods,.xlsb,.zip"' in page
    page = client.get("/imports/work-list/").content.decode()
    assert 'accept=".xlsx,.xlsm,.xls,.et,.ods,.xlsb"' in page
