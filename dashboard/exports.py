"""The dashboard as an .xlsx sheet for a briefing (openpyxl)."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboard.selectors import IndicatorRow
from yuecheng_housing.lib.periods import period_label
from yuecheng_housing.lib.xlsx import print_on_a4_landscape, write_row

HEADERS = [
    "序号",
    "指标",
    "领域",
    "计量单位",
    "年度目标",
    "最新数值",
    "数据月份",
    "完成度",
    "状态",
]


WIDTHS = [6, 34, 10, 12, 10, 12, 12, 10, 10]


def dashboard_workbook(*, year: int, rows: list[IndicatorRow]) -> bytes:
    """Return an .xlsx of each indicator's target, latest value and status in `year`."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年指标进度"
    write_row(sheet, [f"越城区“住有宜居”主要指标进度（{year}年）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    write_row(sheet, HEADERS)
    print_on_a4_landscape(sheet, title_rows="1:2")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E5E7EB")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        progress = row.progress
        write_row(
            sheet,
            [
                row.indicator.code,
                row.indicator.name,
                row.indicator.domain.name,
                row.indicator.unit,
                row.target.display if row.target else "",
                float(progress.value) if progress.value is not None else None,
                period_label(progress.period) if progress.period else "",
                float(progress.completion) if progress.completion is not None else None,
                progress.label + ("（待审核）" if row.pending else ""),
            ],
        )
        sheet.cell(sheet.max_row, 8).number_format = "0%"
        # Targets such as "＞220" stay text, as the plan writes them.
        sheet.cell(sheet.max_row, 5).data_type = "s"
    for index, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
