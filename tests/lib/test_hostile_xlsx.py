"""Hostile and damaged spreadsheets, built here: each upload that reads an .xlsx
(returns, work lists, the 危房台账) refuses them with a Chinese message, within a
memory ceiling, and never answers 500."""

import io
import re
import subprocess
import sys
import textwrap
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hazards.xlsx_import import hazard_list_import
from reporting.returns_import import parse_return
from reporting.work_list_import import parse_work_list
from yuecheng_housing.lib.xlsx_read import read_sheets
from yuecheng_housing.lib.xlsx_safety import ReturnFileError, check_file


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"], sheet["B2"] = "填报单位", "abc", 5
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, change, method=zipfile.ZIP_DEFLATED) -> bytes:
    """Return the workbook with its first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            archive.writestr(info.filename, content)
    return out.getvalue()


def _corrupt_crc(data: bytes) -> bytes:
    stored = bytearray(_rewrite(data, lambda x: x, zipfile.ZIP_STORED))
    at = stored.find(b"<sheetData>")
    stored[at + 3] ^= 1
    return bytes(stored)


# openpyxl writes the dimension with or without a space before "/>".
DIMENSION = re.compile(rb'<dimension ref="A1:B2"\s*/>')
# Each a few KB; read naively, the first three ask for 26–315 GB.
BOMBS = {
    "far_row": lambda d: _rewrite(
        d,
        lambda x: x.replace(b'<row r="2"', b'<row r="9999999999"').replace(
            b'<c r="B2"', b'<c r="B9999999999"'
        ),
    ),
    "far_corner": lambda d: _rewrite(
        d,
        lambda x: x.replace(b'<row r="2"', b'<row r="2000"').replace(
            b'<c r="B2"', b'<c r="XFD2000"'
        ),
    ),
    "dimension": lambda d: _rewrite(
        d, lambda x: DIMENSION.sub(b'<dimension ref="A1:XFD50000" />', x, count=1)
    ),
    "merges": lambda d: _rewrite(
        d,
        lambda x: x.replace(
            b"</sheetData>",
            b"</sheetData><mergeCells>"
            + b'<mergeCell ref="A1:XFD1048576"/>' * 20_000
            + b"</mergeCells>",
        ),
    ),
}
DAMAGED = {
    "xml": (
        lambda d: _rewrite(d, lambda x: x.replace(b"</sheetData>", b"<row")),
        "XML 结构不完整",
    ),
    "crc": (_corrupt_crc, "校验（CRC）不符"),
    "shared_string": (
        lambda d: _rewrite(
            d,
            lambda x: x.replace(
                b'<c r="B1" t="inlineStr"><is><t>abc</t></is></c>',
                b'<c r="B1" t="s"><v>99</v></c>',
            ),
        ),
        "共享字符串",
    ),
}


@pytest.mark.parametrize("kind", list(BOMBS))
def test_a_sheet_reaching_too_far_is_refused_before_it_is_read(kind):
    data = BOMBS[kind](_workbook())
    assert len(data) < 200_000
    with pytest.raises(ReturnFileError, match="拒绝导入"):
        check_file(data, "bomb.xlsx")  # the many merges: a zip bomb already
        read_sheets(data, max_rows=50_000, max_columns=60)


@pytest.mark.parametrize("kind", list(DAMAGED))
def test_a_damaged_file_is_named_as_such(kind):
    make, words = DAMAGED[kind]
    with pytest.raises(ReturnFileError, match=f"文件已损坏：.*{words}"):
        read_sheets(make(_workbook()), max_rows=50_000, max_columns=60)


CEILING_MB = 768
READER = textwrap.dedent(
    f"""
    import resource, sys
    limit = {CEILING_MB} * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from yuecheng_housing.lib.xlsx_read import read_sheets
    from yuecheng_housing.lib.xlsx_safety import ReturnFileError
    try:
        sheets = read_sheets(sys.stdin.buffer.read(), max_rows=50000, max_columns=60)
        print("read", sum(len(rows) for _, rows in sheets))
    except ReturnFileError as e:
        print("refused", e)
    """
)


def _read_under_ceiling(data: bytes) -> str:
    done = subprocess.run(
        [sys.executable, "-c", READER], input=data, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-500:]
    return done.stdout.decode()


@pytest.mark.parametrize("kind", list(BOMBS))
def test_hostile_files_are_refused_within_a_memory_ceiling(kind):
    assert _read_under_ceiling(BOMBS[kind](_workbook())).startswith("refused")


def test_a_merge_over_the_whole_sheet_reads_within_the_ceiling():
    # Filled only as far as the sheet's cells go (openpyxl's full reader made
    # 2.9 GB of merged cells of it).
    whole = _rewrite(
        _workbook(),
        lambda x: x.replace(
            b"</sheetData>",
            b'</sheetData><mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells>',
        ),
    )
    assert _read_under_ceiling(whole) == "read 2\n"


def test_the_largest_sheet_allowed_reads_within_the_same_ceiling():
    # One cell in the far corner of what a return may hold: 49 999 rows × 60.
    largest = _rewrite(
        _workbook(),
        lambda x: x.replace(b'<row r="2"', b'<row r="49999"').replace(
            b'<c r="B2"', b'<c r="BH49999"'
        ),
    )
    assert _read_under_ceiling(largest) == "read 49999\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make", [*BOMBS.values(), *(make for make, _ in DAMAGED.values())]
)
def test_every_upload_refuses_them_in_chinese(make, towns, admin_user, client):
    data = make(_workbook())
    with pytest.raises(ReturnFileError):
        parse_work_list(data)
    with pytest.raises(ReturnFileError):
        parse_return(data, "bomb.xlsx")
    result = hazard_list_import(user=admin_user, content=data, dry_run=True)
    assert result.file_error and not result.written
    client.force_login(admin_user)
    for url, field in (
        ("/imports/work-list/", "worklist"),
        ("/hazards/import/", "file"),
    ):
        upload = SimpleUploadedFile("bomb.xlsx", data)
        response = client.post(url, {field: upload, "dry_run": "on"})
        assert response.status_code in (200, 400), url
        page = response.content.decode()
        assert "拒绝导入" in page or "文件已损坏" in page, url
