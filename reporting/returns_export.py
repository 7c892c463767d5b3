"""A year's reported data as .xlsx in the return template's columns.

Importing the export gives back exactly the same state. Text that begins with
= + - @ is written as text, never as a formula (formula injection).
"""

from io import BytesIO

from openpyxl import Workbook

from reporting.models import IndicatorValue, ItemProgress
from reporting.returns_template import INDICATOR_HEADERS, ITEM_HEADERS, STATUS_TEXT
from yuecheng_housing.lib.periods import format_period
from yuecheng_housing.lib.xlsx import print_on_a4_landscape, write_row


def returns_export(*, year: int) -> bytes:
    """Return every stored value and item progress of `year` (drafts included)."""
    book = Workbook()
    values = book.active
    values.title = "指标"
    write_row(values, [f"越城区“住有宜居”{year}年报送数据"])
    write_row(values, INDICATOR_HEADERS)
    print_on_a4_landscape(values, title_rows="1:2")
    for v in (
        IndicatorValue.objects.filter(report__period__year=year)
        .select_related("indicator", "report__unit")
        .order_by("report__period", "report__unit__position", "indicator__code")
    ):
        write_row(
            values,
            [
                v.indicator.code,
                v.indicator.name,
                v.indicator.unit,
                v.report.unit.name,
                format_period(v.report.period),
                f"{v.value.normalize():f}",
                v.note,
            ],
        )
    items = book.create_sheet("工作清单")
    write_row(items, [f"越城区“住有宜居”{year}年工作清单进展"])
    write_row(items, ITEM_HEADERS)
    print_on_a4_landscape(items, title_rows="1:2")
    for p in (
        ItemProgress.objects.filter(report__period__year=year)
        .select_related("item", "report__unit")
        .order_by("report__period", "report__unit__position", "item_id")
    ):
        write_row(
            items,
            [
                p.item_id,
                p.item.text,
                p.item.deadline_label,
                p.report.unit.name,
                format_period(p.report.period),
                STATUS_TEXT[p.status],
                p.completed_on,
                p.note,
            ],
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
