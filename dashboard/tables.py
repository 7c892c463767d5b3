import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from reporting.models import IndicatorValue
from units.selectors import person_name
from yuecheng_housing.lib.numbers import format_decimal


class IndicatorValueTable(tables.Table):
    period = tables.DateColumn(
        "Y年n月",
        accessor="report__period",
        verbose_name="月份",
        order_by="report__period",
    )
    unit = tables.Column(
        accessor="report__unit__name",
        verbose_name="填报单位",
        order_by="report__unit__position",
    )
    value = tables.Column(verbose_name="数值", attrs={"td": {"class": "num"}})
    status = tables.Column(
        accessor="report__status", verbose_name="状态", order_by="report__status"
    )
    updated_by = tables.Column(verbose_name="填报人")
    updated_at = tables.DateTimeColumn("Y-m-d H:i", verbose_name="填报时间")
    note = tables.Column(
        verbose_name="说明", orderable=False, attrs={"td": {"class": "text"}}
    )
    # A method, not a TemplateColumn: that compiles its template for every row.
    history = tables.Column(verbose_name="历史", orderable=False, empty_values=())

    class Meta:
        model = IndicatorValue
        fields = [
            "period",
            "unit",
            "value",
            "status",
            "updated_by",
            "updated_at",
            "note",
            "history",
        ]
        template_name = "django_tables2/table.html"
        attrs = {"class": "plain values-table sticky-first"}
        empty_text = "尚无填报数据。"

    def render_value(self, value, record) -> str:
        flag = " ⚑" if record.needs_review else ""
        return f"{format_decimal(value)}{flag}"

    def render_updated_by(self, value) -> str:
        return person_name(value)

    def render_status(self, record) -> str:
        return record.report.get_status_display()

    def render_history(self, record) -> str:
        return format_html(
            '<a href="{}?unit={}&period={}">历史</a>',
            reverse("reporting:report_history"),
            record.report.unit_id,
            record.report.period.strftime("%Y-%m"),
        )
