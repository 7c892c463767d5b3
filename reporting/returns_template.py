"""The monthly return (报表) template a unit fills in Excel or WPS (openpyxl).

Sheet 指标 and sheet 工作清单 hold one row per indicator the unit reports and per
checklist item it carries, pre-filled with what is stored; only the cells to fill
are unlocked, 进展状态 has a dropdown, and a 填报说明 sheet says how to fill it.
"""

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reporting.models import ItemProgress
from reporting.selectors import monthly_entry
from units.models import Unit
from yuecheng_housing.lib.periods import format_period, period_label
from yuecheng_housing.lib.xlsx import print_on_a4_landscape, write_row

INDICATOR_HEADERS = [
    "指标编号",
    "指标名称",
    "计量单位",
    "填报单位",
    "期间",
    "本期数值",
    "说明",
]


ITEM_HEADERS = [
    "清单编号",
    "工作内容",
    "完成期限",
    "填报单位",
    "期间",
    "进展状态",
    "完成日期",
    "说明",
]


STATUS_TEXT = {s.value: s.label for s in ItemProgress.Status}


INDICATOR_FILL = {"本期数值", "说明"}


ITEM_FILL = {"进展状态", "完成日期", "说明"}


INSTRUCTIONS = [
    "填报说明",
    "1. 只填写白底单元格：“指标”表的“本期数值”“说明”，"
    "“工作清单”表的“进展状态”“完成日期”“说明”。",
    "2. 本期数值只填数字；比率类填百分数的数值（如85%填85）；"
    "累计类指标填自方案实施以来的累计数。",
    "3. 累计数低于上月时，请在“说明”中写明原因。",
    "4. 进展状态从下拉列表中选择：未开始、推进中、已完成；"
    "已完成的须填写完成日期（如2023-06-20）。",
    "5. 不要改动灰底单元格、表头和期间；可以增加空行或备注列，系统会忽略。",
    "6. 保存后报送区建设局（.xlsx、.xls、WPS .et、.ods 均可）。",
]


def _sheet(book: Workbook, title: str, heading: str, headers: list[str], widths):
    sheet = book.create_sheet(title)
    write_row(sheet, [heading])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    write_row(sheet, headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9DEE5")
        cell.alignment = Alignment(horizontal="center")
    print_on_a4_landscape(sheet, title_rows="1:2")
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    return sheet


def _protect(sheet, headers: list[str], fill: set[str]) -> None:
    grey = PatternFill("solid", fgColor="F1F3F5")
    for row in sheet.iter_rows(min_row=3):
        for cell, header in zip(row, headers, strict=False):
            if header in fill:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = grey
    # Guidance, not security: the import checks every cell anyway.
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False


def return_template(*, units: list[Unit], period: date) -> bytes:
    """Return the .xlsx template of these units' return for `period`."""
    book = Workbook()
    book.remove(book.active)
    # The title counts the units the file holds rows for: of the whole roster,
    # only those that owe something this month.
    entries = [(unit, monthly_entry(unit=unit, period=period)) for unit in units]
    held = [u for u, entry in entries if entry.indicators or entry.items] or units
    names = "、".join(u.name for u in held) if len(held) <= 3 else f"{len(held)}个单位"
    heading = f"越城区“住有宜居”月度报表（{names}，{period_label(period)}）"
    indicators = _sheet(
        book, "指标", heading, INDICATOR_HEADERS, [10, 34, 12, 16, 10, 14, 30]
    )
    items = _sheet(
        book, "工作清单", heading, ITEM_HEADERS, [10, 50, 12, 16, 10, 12, 14, 30]
    )
    month = format_period(period)
    for unit, entry in entries:
        for line in entry.indicators:
            stored = line.stored
            write_row(
                indicators,
                [
                    line.subject.code,
                    line.subject.name,
                    line.subject.unit,
                    unit.name,
                    month,
                    float(stored.value) if stored else None,
                    stored.note if stored else None,
                ],
            )
            indicators.cell(indicators.max_row, 5).number_format = "@"
        for line in entry.items:
            stored = line.stored
            write_row(
                items,
                [
                    line.subject.pk,
                    line.subject.text,
                    line.subject.deadline_label,
                    unit.name,
                    month,
                    STATUS_TEXT[stored.status] if stored else None,
                    stored.completed_on if stored else None,
                    stored.note if stored else None,
                ],
            )
            items.cell(items.max_row, 7).number_format = "yyyy-mm-dd"
    status = DataValidation(
        type="list",
        formula1='"未开始,推进中,已完成"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="进展状态",
        error="请从下拉列表中选择：未开始、推进中、已完成",
    )
    items.add_data_validation(status)
    status.add(f"F3:F{max(items.max_row, 3) + 50}")
    _protect(indicators, INDICATOR_HEADERS, INDICATOR_FILL)
    _protect(items, ITEM_HEADERS, ITEM_FILL)

    guide = book.create_sheet("填报说明")
    for line in INSTRUCTIONS:
        write_row(guide, [line])
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 110
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_file_name(units: list[Unit], period: date) -> str:
    who = units[0].name if len(units) == 1 else "全部单位"
    return f"{who}-{format_period(period)}.xlsx"
