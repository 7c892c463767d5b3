"""Small .xlsx sheets for briefings (openpyxl), served with a Chinese file name."""

from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_row(sheet, values: list) -> None:
    """Append a row, every text written as text: the one writer of every .xlsx the
    product makes (templates, exports, briefings).

    openpyxl stores a string that begins with "=" as a live formula, so a note
    typed as `=WEBSERVICE("http://…"&D3)` would run in whoever opens the file.
    Marking each text cell a string keeps it the text it is, without the
    apostrophe a prefix would show ("'+2.9").
    """
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def sheet_response(
    *, filename: str, title: str, sections: list[tuple[str, list[str], list[list]]]
) -> HttpResponse:
    """Return an .xlsx with a title row and, per section, a heading, headers, rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
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
