"""Returns typed into LibreOffice as unit staff type them, saved as .xlsx, imported.

The rows are typed as CSV and converted by `soffice --headless`, so the spreadsheet
program itself decides what each cell becomes: "2023.10" a number (2023.1),
"=以上数据经局长审核" a formula whose value is #NAME?. Each ends as a right value
stored or a clear refusal naming sheet, row and column.
"""

import io
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from reporting.models import IndicatorValue
from reporting.returns_import import return_import

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not shutil.which("soffice") and not os.getenv("REQUIRE_LIBREOFFICE"),
        reason="apt-get install libreoffice-calc-nogui",
    ),
]
HEADER = "序号,指标编号,指标名称,填报单位,期间,本期数值,说明"


def typed(tmp_path, lines: list[str]) -> bytes:
    """Return the .xlsx LibreOffice saves from rows typed as CSV."""
    source = tmp_path / "typed.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx",
         "--infilter=CSV:44,34,76,1", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
        env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )  # fmt: skip
    return (tmp_path / "typed.xlsx").read_bytes()


def test_messy_but_clear_rows_are_read_right(tmp_path, admin_user):
    data = typed(
        tmp_path,
        [
            # A 序号 column left of 指标编号: the value belongs to indicator 11.
            "1,11,城镇危房整治率,区建设局,2023/7/1,100,",
            "2,12,农村危房整治率（%）,建设局,2023年7月,99.5,",
            "3,2,保障性租赁住房累计建设筹集套数,区建设局,2023-07,1.4475万,",
        ],
    )
    result, log = return_import(
        data=data, name="七月.xlsx", user=admin_user, commit=True
    )
    assert result.errors == [] and log.status == "imported"
    stored = {
        v.indicator.code: v.value
        for v in IndicatorValue.objects.filter(report__period=date(2023, 7, 1))
    }
    assert stored == {11: Decimal("100"), 12: Decimal("99.5"), 2: Decimal("1.4475")}


def test_rows_that_would_be_stored_wrong_are_refused_by_row_and_column(
    tmp_path, admin_user
):
    data = typed(
        tmp_path,
        [
            "1,1,城镇住房保障受益覆盖率,区建设局,2023.10,29.5,",
            "2,1,城镇住房保障受益覆盖率,区建设局,2023-06,29.5,=以上数据经局长审核",
            "3,2,保障性租赁住房累计建设筹集套数,区建设局,2023-06,14475,",
            "4,5,城镇住房保障受益覆盖率,区建设局,2023-06,85,",
            "5,14,城镇人均住房建筑面积,区建设局,2023-06,35.2,",
            "6,14,城镇人均住房建筑面积,区建设局,2023-06,35.4,",
        ],
    )
    result, log = return_import(data=data, name="错.xlsx", user=admin_user, commit=True)
    assert log.status == "failed" and not IndicatorValue.objects.exists()
    errors = "\n".join(result.errors)
    assert "第2行“期间”列：期间“2023.1”是数字，无法区分1月和10月" in errors
    assert "第3行“说明”列：单元格是公式错误值“#NAME?”" in errors
    assert "第4行" in errors and "请检查计量单位（万套［间］）" in errors
    assert "第5行“指标名称”列：指标编号5是“住宅小区专业物业服务覆盖率”" in errors
    assert "第7行：与“typed”表第6行重复" in errors


def test_every_sheet_with_a_return_is_read_and_a_shown_percent_is_not_scaled(
    admin_user,
):
    book = Workbook()
    june = book.active
    june.title = "6月"
    july = book.create_sheet("7月")
    book.create_sheet("填报说明").append(["请按模板填写"])
    for sheet, month, value in ((june, "2023-06", 85), (july, "2023-07", 86)):
        sheet.append(["指标编号", "填报单位", "期间", "本期数值"])
        sheet.append([1, "区建设局", month, value])
        sheet["D2"].number_format = '0"%"'  # shows 85%, holds 85
    buffer = io.BytesIO()
    book.save(buffer)
    result, log = return_import(
        data=buffer.getvalue(), name="两月.xlsx", user=admin_user, commit=True
    )
    assert result.errors == [] and log.status == "imported"
    assert result.parsed.skipped_sheets == ["填报说明"]
    values = IndicatorValue.objects.filter(indicator__code=1).order_by("report__period")
    assert [v.value for v in values] == [Decimal("85"), Decimal("86")]


def test_unit_and_month_merged_down_the_sheet_apply_to_every_row(tmp_path, admin_user):
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append(["指标编号", "填报单位", "期间", "本期数值"])
    for code, value in ((1, 29.5), (5, 90), (8, 11), (14, 35.2)):
        sheet.append([code, "区建设局" if code == 1 else None,
                      "2023-06" if code == 1 else None, value])  # fmt: skip
    sheet.merge_cells("B2:B5")
    sheet.merge_cells("C2:C5")
    path = tmp_path / "合并.xlsx"
    book.save(path)
    # Saved again by LibreOffice, as a unit's file would be.
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out),
         str(path)],
        check=True, capture_output=True, timeout=180,
        env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )  # fmt: skip
    result, log = return_import(
        data=(out / "合并.xlsx").read_bytes(), name="合并.xlsx", user=admin_user,
        commit=True,
    )  # fmt: skip
    assert result.errors == [] and log.status == "imported"
    assert IndicatorValue.objects.filter(report__period=date(2023, 6, 1)).count() == 4
