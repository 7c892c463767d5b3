"""Every format offices send is read through one reader, with the .xlsx rules;
what cannot be read is named for what it is (no database, no LibreOffice)."""

import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from yuecheng_housing.lib.xlsx_read import read_workbook
from yuecheng_housing.lib.xlsx_safety import (
    EMPTY,
    ENCRYPTED,
    TRUNCATED,
    ReturnFileError,
    check_file,
)

from .spreadsheets import compound, ods, xlsb


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(data: bytes, max_rows=100, max_columns=10):
    return read_workbook(data, max_rows=max_rows, max_columns=max_columns)


def _values(sheet_rows):
    return [[value for value, _, _ in row] for row in sheet_rows]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", EMPTY),
        (b"\xd0\xcf\x11\xe0", TRUNCATED),  # an upload broken off in the header
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200, TRUNCATED),
        (b"PK\x03\x04broken", TRUNCATED),
        (b"MZ\x90\x00" + b"\0" * 200, "无法识别的文件类型"),
        (b"%PDF-1.7\n%\xe2\xe3", "这是 PDF 文件"),
        ("指标编号,本期数值\n1,30\n".encode(), "这是文本文件"),
        (compound({"WordDocument": b"x"}), "这是 Word 文档"),
        (compound({"EncryptionInfo": b"x", "EncryptedPackage": b"y"}), ENCRYPTED),
    ],
)
def test_what_cannot_be_read_is_named_for_what_it_is(data, message):
    with pytest.raises(ReturnFileError, match=message):
        check_file(data)


def test_a_file_cut_short_is_called_incomplete_in_every_format():
    whole = _xlsx([["指标编号", "本期数值"], [1, 30]])
    with pytest.raises(ReturnFileError, match="文件不完整（可能上传中断）"):
        _read(whole[: len(whole) // 2])
    big = compound({"Workbook": b"\x09\x08" + b"\0" * 10_000})
    with pytest.raises(ReturnFileError, match="文件不完整（可能上传中断）"):
        _read(big[:3000])


def test_macros_are_ignored_and_said_so():
    data = io.BytesIO(_xlsx([["指标编号", "本期数值"], [1, 30]]))
    out = io.BytesIO()
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"Attribute VB_Name = 1")
    workbook = _read(out.getvalue())
    assert workbook.kind == "xlsm" and "宏未运行" in workbook.notes[0]
    assert _values(workbook.sheets[0][1]) == [["指标编号", "本期数值"], [1, 30]]


def test_an_xlsb_reads_as_the_xlsx_with_percents_merges_and_errors():
    rows = [
        ["指标编号", "填报单位", "本期数值"],
        [1, "区建设局", 0.85],
        [2, None, 30],
        [3, "区建设局", None],
    ]
    data = xlsb(rows, percent={(1, 2)}, merges=[(1, 2, 1, 1)], errors={(3, 2)})
    workbook = _read(data)
    assert workbook.kind == "xlsb" and workbook.notes == []
    ((title, cells),) = workbook.sheets
    assert title == "指标"
    assert _values(cells)[:3] == [
        ["指标编号", "填报单位", "本期数值"],
        [1, "区建设局", 0.85],
        [2, "区建设局", 30],  # the merged 填报单位
    ]
    assert cells[1][2][2] == "0%" and cells[2][2][2] == ""
    assert cells[3][2][0] == "#NAME?"  # named on its row, never read as blank


def test_an_ods_reads_percents_dates_merges_and_errors_from_its_xml():
    cell = (
        '<table:table-cell office:value-type="{}" {}><text:p>{}</text:p>'
        "</table:table-cell>"
    )
    data = ods(
        "<table:table-row>"
        + cell.format("string", 'table:number-rows-spanned="2"', "区建设局")
        + cell.format("percentage", 'office:value="0.85"', "85%")
        + cell.format("date", 'office:date-value="2023-06-01"', "2023-06-01")
        + "</table:table-row><table:table-row><table:covered-table-cell/>"
        + '<table:table-cell office:value-type="string" calcext:value-type="error"'
        ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:'
        'xmlns:calcext:1.0"><text:p>#NAME?</text:p></table:table-cell>'
        + "</table:table-row>"
    )
    workbook = _read(data)
    assert workbook.kind == "ods"
    cells = workbook.sheets[0][1]
    assert cells[0][0][0] == cells[1][0][0] == "区建设局"
    assert cells[0][1][:3:2] == (0.85, "0%")
    shown = cells[0][2][0]
    assert getattr(shown, "date", lambda: shown)() == date(2023, 6, 1)
    assert cells[1][1][0] == "#NAME?"


@pytest.mark.parametrize(
    "rows",
    [
        # A value two million rows down, after rows repeated by one attribute.
        '<table:table-row table:number-rows-repeated="2000000"><table:table-cell/>'
        "</table:table-row>",
        # A row of 16 384 values, each a repeat of one cell, 100 000 times over.
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
        'table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"/></table:table-row>',
    ],
)
def test_an_ods_reaching_too_far_is_refused_before_calamine_lays_it_out(rows):
    one = (
        '<table:table-row><table:table-cell office:value-type="float" '
        'office:value="1"/></table:table-row>'
    )
    data = ods(one + rows + one)
    assert len(data) < 5000
    with pytest.raises(ReturnFileError, match="拒绝导入"):
        _read(data, max_rows=50_000, max_columns=60)


def test_an_xlsb_reaching_too_far_is_refused():
    rows = [[1]] + [[None]] * 3
    data = xlsb(rows, merges=[(0, 999_999, 0, 16_383)])
    with pytest.raises(ReturnFileError, match="拒绝导入"):
        _read(data, max_rows=50_000, max_columns=60)
