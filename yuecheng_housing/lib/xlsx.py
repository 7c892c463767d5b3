"""Small .xlsx sheets for briefings (openpyxl), served with a Chinese file name."""

from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_safe(value):
    # A cell that starts with = + - @ would run as a formula when opened.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def sheet_response(
    *, filename: str, title: str, sections: list[tuple[str, list[str], list[list]]]
) -> HttpResponse:
    """Return an .xlsx with a title row and, per section, a heading, headers, rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    widths: dict[int, int] = {}
    for heading, headers, rows in sections:
        sheet.append([])
        if heading:
            sheet.append([heading])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.append(headers)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E5E7EB")
        for row in rows:
            sheet.append([_text_safe(v) for v in row])
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
