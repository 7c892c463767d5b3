"""Small .xlsx sheets for briefings (openpyxl), served with a Chinese file name."""

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Excel refuses a sheet name over 31 characters or holding any of these.
SHEET_NAME_LIMIT = 31
_SHEET_NAME_FORBIDDEN = set("[]:*?/\\")


def sheet_title(name: str) -> str:
    """Return `name` as a sheet's name, or ValueError if Excel would refuse it:
    a caller names its sheet in a few words ("晾晒排名（2026年）"), never a title
    cut at the 31st character, mid-word."""
    if len(name) > SHEET_NAME_LIMIT or _SHEET_NAME_FORBIDDEN & set(name) or not name:
        raise ValueError(f"工作表名“{name}”超过31个字符或含有不允许的字符。")
    return name


@dataclass(frozen=True)
class Signed:
    """A change written as a signed number ("+2.9", "-1"): a number to Excel, so
    no text cell (shown '+2.9 by Excel and LibreOffice) and no apostrophe."""

    value: Decimal

    def __str__(self) -> str:  # as the cell shows it (column widths)
        return f"{self.value:+f}" if self.value else "0"


def _signed_format(value: Decimal) -> str:
    places = max(0, -value.normalize().as_tuple().exponent)
    digits = "0." + "0" * places if places else "0"
    return f"+{digits};-{digits};0"


def write_row(sheet, values: list) -> None:
    """Append a row, every text written as text: the one writer of every .xlsx the
    product makes (templates, exports, briefings).

    openpyxl stores a string that begins with "=" as a live formula, so a note
    typed as `=WEBSERVICE("http://…"&D3)` would run in whoever opens the file.
    Marking each text cell a string keeps it the text it is, without the
    apostrophe a prefix would show ("'+2.9").
    """
    # The cells are made here and appended, not looked up after: finding the last
    # row (sheet[sheet.max_row]) scans every cell, which made a notice's Excel of
    # 25 000 projects behind take minutes.
    cells = []
    for value in values:
        cell = Cell(sheet, value=value.value if isinstance(value, Signed) else value)
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif isinstance(value, Signed):
            cell.number_format = _signed_format(value.value)
        cells.append(cell)
    sheet.append(cells)


def sheet_response(
    *,
    filename: str,
    title: str,
    sheet_name: str,
    sections: list[tuple[str, list[str], list[list]]],
) -> HttpResponse:
    """Return an .xlsx with a title row and, per section, a heading, headers, rows;
    its one sheet named `sheet_name` (at most 31 characters: see `sheet_title`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(sheet_name)
    write_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    widths: dict[int, int] = {}
    for heading, headers, rows in sections:
        write_row(sheet, [])
        if heading:
            write_row(sheet, [heading])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        write_row(sheet, headers)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E5E7EB")
        for row in rows:
            write_row(sheet, row)
        for index, header in enumerate(headers, 1):
            longest = max([len(str(header))] + [len(str(r[index - 1])) for r in rows])
            widths[index] = max(widths.get(index, 0), min(60, longest * 2 + 2))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
    print_on_a4_landscape(sheet)
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def print_on_a4_landscape(sheet, *, title_rows: str | None = None) -> None:
    """Set a sheet to print on A4 landscape, all columns across one page width (the
    value column beside the names), its title and header rows on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows
