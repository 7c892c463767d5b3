"""The fast reader (python-calamine) reads a return exactly as openpyxl does, and
leaves to openpyxl the files it would read wrongly."""

import re
import zipfile
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook

from yuecheng_housing.lib.cells import is_percent_format
from yuecheng_housing.lib.xlsx_read import _openpyxl_sheets, read_sheets
from yuecheng_housing.lib.xlsx_safety import ReturnFileError


def _book(fill) -> bytes:
    book = Workbook()
    fill(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _varied(book) -> None:
    sheet = book.active
    sheet.title = "指标"
    sheet.append(["指标编号", "填报单位", "期间", "本期数值", "说明"])
    sheet.append([1, "灵芝街道", "2025-03", 0.85, "整数"])
    sheet.append([2, "灵芝街道", date(2025, 3, 1), 12.5, None])
    # A spreadsheet's date and time carry no zone.
    sheet.append([3, None, datetime(2025, 3, 1, 9, 30), 0.125, "说明"])  # noqa: DTZ001
    sheet["D2"].number_format = "0%"
    sheet["D4"].number_format = "0.0%"
    sheet["D3"].number_format = '0"%"'  # shows a percent sign, does not scale
    sheet.merge_cells("B3:B4")
    late = book.create_sheet("事项")
    late["C4"] = "清单编号"  # data that starts away from A1
    late["D5"] = 7


def _normal(sheets):
    """Both readers' cells, with dates compared as dates, formats as whether they
    scale by 100 (all the reader asks of a format), and no empty cells at the end
    of a row (openpyxl pads every row to the widest)."""

    def cells(row):
        cells = [
            (v.date() if isinstance(v, datetime) else v, is_percent_format(f))
            for v, _, f in row
        ]
        while cells and cells[-1] == (None, False):
            cells.pop()
        return cells

    return [(title, [cells(row) for row in rows]) for title, rows in sheets]


def test_the_fast_reader_reads_what_openpyxl_reads():
    data = _book(_varied)
    fast = read_sheets(data, max_rows=100, max_columns=60)
    slow = _openpyxl_sheets(data, 100, 60)
    assert _normal(fast) == _normal(slow)
    values = {title: rows for title, rows in fast}
    assert values["指标"][1][3] == (0.85, False, "0%")
    assert values["指标"][1][0][0] == 1 and type(values["指标"][1][0][0]) is int
    assert values["指标"][3][1][0] == "灵芝街道"  # merged down from B3
    assert not is_percent_format(values["指标"][2][3][2])
    assert values["事项"][4][3][0] == 7
    assert [title for title, _ in fast] == ["指标", "事项"]


@pytest.mark.parametrize(
    "fill",
    [
        lambda book: book.active.append(["指标编号", "#NAME?"]),  # an error cell
        lambda book: book.active.append(["指标编号", "=SUM(1,2)"]),  # no result
    ],
    ids=["error cell", "formula without result"],
)
def test_files_the_fast_reader_would_misread_go_to_openpyxl(fill, monkeypatch):
    data = _book(fill)

    def refuse(*args):
        raise AssertionError("the fast reader must not read this file")

    monkeypatch.setattr("yuecheng_housing.lib.xlsx_read._calamine_sheets", refuse)
    ((_, rows),) = read_sheets(data, max_rows=10, max_columns=60)
    assert rows[0][1][0] in ("#NAME?", None)


def test_formulas_with_results_stay_on_the_fast_path(monkeypatch):
    def fill(book):
        book.active.append(["合计", "=SUM(1,2)"])

    # openpyxl writes a formula without its result; Excel and LibreOffice keep one.
    # (as "<v />" or "<v></v>", by openpyxl's version)
    data = _with_sheet_xml(_book(fill), rb"<v\s*/>|<v></v>", b"<v>3</v>")
    monkeypatch.setattr(
        "yuecheng_housing.lib.xlsx_read._openpyxl_sheets",
        lambda *args: pytest.fail("a formula with its result needs no openpyxl"),
    )
    ((_, rows),) = read_sheets(data, max_rows=10, max_columns=60)
    assert rows[0][1][0] == 3


def _with_sheet_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with the first match of the pattern `old` in its first
    sheet's XML replaced by `new`."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert re.search(old, content)
                content = re.sub(old, new, content, count=1)
            target.writestr(item, content)
    return out.getvalue()


def test_the_row_cap_counts_the_whole_file():
    def fill(book):
        for title in ("一", "二"):
            sheet = book.create_sheet(title)
            for i in range(6):
                sheet.append([i])

    with pytest.raises(ReturnFileError, match="超过10行"):
        read_sheets(_book(fill), max_rows=10, max_columns=60)
