"""A month's audit trail, read from django-simple-history's tables.

Every change to the month's values, item progress and review state, with who,
when, old → new and why; diffs are taken between consecutive versions in Python,
so the page costs three queries however long the history.
"""

from collections import defaultdict

from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from yuecheng_housing.lib.numbers import format_decimal

_FIELDS = {
    "report": ["status", "review_comment"],
    "value": ["value", "note", "decrease_reason"],
    "progress": ["status", "completed_on", "note"],
}


def _show(record, field: str) -> str:
    value = getattr(record, field)
    if value is None or value == "":
        return "（空）"
    display = getattr(record, f"get_{field}_display", None)
    if display is not None:
        return display()
    if hasattr(value, "normalize"):
        return format_decimal(value)
    return str(value)


def _events(kind: str, records, subject) -> list[dict]:
    by_object = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    events = []
    for versions in by_object.values():
        versions.sort(key=lambda r: r.history_date)
        previous = None
        for record in versions:
            changes = [
                (
                    record._meta.get_field(f).verbose_name,
                    _show(previous, f) if previous else "（无）",
                    _show(record, f),
                )
                for f in _FIELDS[kind]
                if previous is None or getattr(previous, f) != getattr(record, f)
            ]
            if previous is None:
                changes = [c for c in changes if c[2] != "（空）"]
            events.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "subject": subject(record),
                    "changes": changes,
                    "reason": record.history_change_reason or "",
                }
            )
            previous = record
    return events


def report_changes(report: MonthlyReport) -> list[dict]:
    """Return every recorded change to the month, newest first."""
    reports = report.history.select_related("history_user")
    values = IndicatorValue.history.filter(report_id=report.pk).select_related(
        "history_user", "indicator"
    )
    progress = ItemProgress.history.filter(report_id=report.pk).select_related(
        "history_user", "item"
    )
    events = (
        _events("report", reports, lambda r: "报送状态")
        + _events("value", values, lambda r: f"指标：{r.indicator.name}")
        + _events("progress", progress, lambda r: f"事项：{r.item.text}")
    )
    return sorted(events, key=lambda e: e["when"], reverse=True)
