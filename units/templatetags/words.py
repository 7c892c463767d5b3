"""How the pages write people, figures and units: the same helpers as the
exports and messages, so that a page never words a thing its own way. Loaded
into every template (settings.TEMPLATES builtins)."""

from datetime import date
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from units.selectors import person_name
from yuecheng_housing.lib.numbers import format_figure
from yuecheng_housing.lib.periods import day_label
from yuecheng_housing.lib.text import bracketed as _bracketed
from yuecheng_housing.lib.text import plan_words as _plan_words
from yuecheng_housing.lib.text import split_matches

register = template.Library()


@register.filter
def person(user) -> str:
    """{{ user|person }}: the account's name, never its login."""
    return person_name(user)


@register.filter
def figure(value, indicator) -> str:
    """{{ value|figure:indicator }}: the figure in the indicator's places, as
    the Excel exports and the API round it; "" for no value."""
    if value is None or value == "":
        return ""
    return format_figure(Decimal(value), indicator.decimals)


@register.filter
def day(value) -> str:
    """{{ snapshot.as_of|day }}: a day kept in a frozen copy as "2024-01-06",
    written as pages write days (2024年1月6日)."""
    if not value:
        return ""
    return day_label(value if isinstance(value, date) else date.fromisoformat(value))


@register.filter
def bracketed(text: str) -> str:
    """{{ indicator.unit|bracketed }}: （万套［间］）, never （万套（间））."""
    return _bracketed(str(text))


@register.filter
def plan_words(text: str) -> str:
    """{{ indicator.label|plan_words }}: the plan's "<间>" written ［间］."""
    return _plan_words(str(text))


@register.filter
def highlight(text: str, pattern) -> str:
    """{{ passage.text|highlight:pattern }}: the text escaped, each match of the
    search in <mark>, so the page shows what was found without JavaScript."""
    return mark_safe(
        "".join(
            format_html("<mark>{}</mark>", piece) if hit else conditional_escape(piece)
            for piece, hit in split_matches(str(text), pattern)
        )
    )
