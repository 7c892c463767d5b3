import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> Decimal:
    """Read a number as staff type it: "８５" → 85, "1,234" → 1234, "85％" → 85.

    Anything else is refused with a message rather than guessed at.
    """
    normal = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    normal = normal.removesuffix("%")
    if not (_PLAIN.match(normal) or _GROUPED.match(normal)):
        raise ValidationError(f"“{text}”不是数字。", code="not_a_number")
    try:
        return Decimal(normal.replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"“{text}”不是数字。", code="not_a_number") from None


class NumberField(forms.Field):
    """A number typed as text, read by parse_number."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value) -> Decimal | None:
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 30:
            raise ValidationError("数值过长。", code="too_long")
        return parse_number(value)


class IndicatorValueForm(forms.Form):
    """One indicator's line on the monthly entry page."""

    value = NumberField(label="本期数值", required=False)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    decrease_reason = forms.CharField(
        label="下降原因",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, indicator, stored=None, **kwargs) -> None:
        self.indicator = indicator
        self.stored = stored
        if stored is not None:
            kwargs.setdefault(
                "initial",
                {
                    "value": f"{stored.value.normalize():f}",
                    "note": stored.note,
                    "decrease_reason": stored.decrease_reason,
                    "version": stored.version,
                },
            )
        kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, prefix=f"ind{indicator.code}", **kwargs)
        self.fields["value"].label = f"{indicator.name}（{indicator.unit}）"
