"""What an uploaded spreadsheet is, and whether it may be read at all.

Every import (returns, work lists, the 危房台账) takes .xlsx, .xlsm (its macros
are never run: only the cells are read), .xls, WPS .et, .ods and .xlsb. The kind
is told from the content, not the name; what is not one of them, or is
encrypted, empty or cut short, is refused with one sentence saying so, before
any reader sees it.
"""

import re
import zipfile
from io import BytesIO

from yuecheng_housing.lib.cfb import MAGIC, CompoundFile, Truncated

# Limits on what is read, the same for every format: a return of a province
# (49 000 rows) is about 3 MB as .xlsx and 6 MB as .xls.
MAX_FILE_BYTES = 10 * 1024 * 1024


MAX_ZIP_ENTRIES = 500


MAX_UNCOMPRESSED = 200 * 1024 * 1024


MAX_RATIO = 100


# What each import accepts, for upload forms' accept= and their hints.
ACCEPTED = ".xlsx,.xlsm,.xls,.et,.ods,.xlsb"
ACCEPTED_WORDS = (
    "Excel（.xlsx、.xlsm、.xls、.xlsb）、WPS（.et）或 OpenDocument（.ods）表格"
)


class ReturnFileError(Exception):
    """The file cannot be read as a return at all; the message says why."""


EMPTY = "文件是空的（0字节），请选择填好的表格重新上传。"
ENCRYPTED = "文件已加密，请在 Excel 或 WPS 中去掉打开密码后另存，再上传。"
TRUNCATED = "文件不完整（可能上传中断），请重新上传；如仍不行，请打开后另存再上传。"
UNKNOWN = f"无法识别的文件类型：请上传{ACCEPTED_WORDS}。"
MACROS_IGNORED = "文件含宏（.xlsm），宏未运行，只读取了单元格的值。"

# Kinds: "xlsx", "xlsm", "xls", "ods", "xlsb".
_NOT_A_SHEET = {
    b"%PDF": "这是 PDF 文件，不是表格",
    b"\x89PNG": "这是图片，不是表格",
    b"\xff\xd8\xff": "这是图片，不是表格",
    b"Rar!": "这是 RAR 压缩包，不是表格",
    b"7z\xbc\xaf": "这是 7z 压缩包，不是表格",
}


def check_file(data: bytes, name: str = "") -> str:
    """Return the kind of spreadsheet `data` is ("xlsx", "xlsm", "xls", "ods",
    "xlsb"); raise ReturnFileError naming what it is if it cannot be read."""
    if not data:
        raise ReturnFileError(EMPTY)
    if len(data) > MAX_FILE_BYTES:
        raise ReturnFileError(f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB上限。")
    if data.startswith(MAGIC[: min(len(data), 8)]):
        return _compound_kind(data)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(b"PK"[: len(data)]) and len(data) < 4:
        raise ReturnFileError(TRUNCATED)
    for magic, what in _NOT_A_SHEET.items():
        if data.startswith(magic):
            raise ReturnFileError(f"{what}。{UNKNOWN}")
    head = data[:2000]
    if not any(byte < 9 or 13 < byte < 32 for byte in head):
        raise ReturnFileError(
            f"这是文本文件（如 .csv），不是表格。{UNKNOWN}"
            "（可在 Excel 或 WPS 中打开后另存为 .xlsx）"
        )
    raise ReturnFileError(UNKNOWN)


def _compound_kind(data: bytes) -> str:
    try:
        names = CompoundFile(data).names()
    except Truncated:
        raise ReturnFileError(TRUNCATED) from None
    except Exception:  # noqa: BLE001 - any malformed header or directory
        raise ReturnFileError(f"文件已损坏（OLE 结构无法读取）。{UNKNOWN}") from None
    if {"EncryptedPackage", "EncryptionInfo"} & names:
        raise ReturnFileError(ENCRYPTED)
    if {"Workbook", "Book"} & names:
        return "xls"  # WPS .et is laid out as a .xls inside
    if "WordDocument" in names:
        raise ReturnFileError(f"这是 Word 文档（.doc），不是表格。{UNKNOWN}")
    if "PowerPoint Document" in names:
        raise ReturnFileError(f"这是 PowerPoint 文件，不是表格。{UNKNOWN}")
    raise ReturnFileError(UNKNOWN)


def _zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        # A zip keeps its table of contents at the end: without it, the file
        # was cut short.
        raise ReturnFileError(TRUNCATED) from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ReturnFileError("文件结构异常（条目过多），拒绝导入。")
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ReturnFileError("文件解压后过大（疑似压缩炸弹），拒绝导入。")
    names = {e.filename for e in entries}
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:100]
        if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
            if "content.xml" not in names:
                raise ReturnFileError(TRUNCATED)
            manifest = (
                archive.read("META-INF/manifest.xml")
                if "META-INF/manifest.xml" in names
                else b""
            )
            if b"encryption-data" in manifest:
                raise ReturnFileError(ENCRYPTED)
            return "ods"
        if b"opendocument" in mimetype:
            raise ReturnFileError(f"这是 OpenDocument 文档，不是表格。{UNKNOWN}")
    types = (
        archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    )
    macros = "xl/vbaProject.bin" in names or b"macroEnabled" in types
    if "xl/workbook.xml" in names:
        return "xlsm" if macros else "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "word/document.xml" in names:
        raise ReturnFileError(f"这是 Word 文档（.docx），不是表格。{UNKNOWN}")
    if any(n.startswith("ppt/") for n in names):
        raise ReturnFileError(f"这是 PowerPoint 文件，不是表格。{UNKNOWN}")
    raise ReturnFileError(f"这是 zip 压缩包，不是表格。{UNKNOWN}")


# A reader lays a sheet out as rows × columns up to its furthest cell (and may
# reserve what its <dimension> declares before reading a cell): a 1.6 KB file
# with one cell at row 9 999 999 999 asks for hundreds of GB. Every sheet's
# extent is checked from its XML before any reader sees it.
_REFERENCE = re.compile(rb'\br="([A-Za-z]{0,3})([0-9]+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_CORNER = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b")
MAX_MERGED_RANGES = 10_000


def _column_number(letters: bytes | str) -> int:
    """A1-style column letters as a number: A = 1, XFD = 16 384."""
    number = 0
    for letter in (
        letters.upper().encode() if isinstance(letters, str) else letters.upper()
    ):
        number = number * 26 + letter - 64
    return number


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """Return (last row, last column) of a sheet's cells and declared dimension."""
    last_row = last_column = 0
    columns: dict[bytes, int] = {}
    for match in _REFERENCE.finditer(xml):
        letters, digits = match.groups()
        row = int(digits)
        if row > last_row:
            last_row = row
        if letters:
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = _column_number(letters)
            if column > last_column:
                last_column = column
    if dimension := _DIMENSION.search(xml):
        for ref in dimension.group(1).decode("ascii", "replace").split(":"):
            if match := _CORNER.fullmatch(ref.strip()):
                last_column = max(last_column, _column_number(match.group(1)))
                last_row = max(last_row, int(match.group(2)))
    return last_row, last_column


def check_extent(sheets: dict[str, bytes], *, max_rows: int, max_columns: int) -> None:
    """Refuse an .xlsx whose sheets reach further than a reader may lay out
    (`check_dimensions`), measured from each sheet's XML."""
    check_dimensions(
        {
            title: (*sheet_extent(xml), sum(1 for _ in _MERGE.finditer(xml)))
            for title, xml in sheets.items()
        },
        max_rows=max_rows,
        max_columns=max_columns,
    )


def check_dimensions(
    sheets: dict[str, tuple[int, int, int]], *, max_rows: int, max_columns: int
) -> None:
    """Refuse a workbook whose sheets ({title: (last row, last column, merged
    ranges)}) reach further than a reader may lay out: more than `max_rows` rows
    in all, more than `max_rows` × `max_columns` cells of area in all, or more
    than MAX_MERGED_RANGES merged ranges in a sheet."""
    rows_total = area_total = 0
    for title, (last_row, last_column, merges) in sheets.items():
        rows_total += last_row
        area_total += last_row * max(last_column, 1)
        if rows_total > max_rows:
            raise ReturnFileError(
                f"“{title}”表的数据延伸到第{last_row}行，超过{max_rows}行上限"
                "（全文件合计），拒绝导入；如有多余的空行，请删除后另存再上传。"
            )
        if area_total > max_rows * max_columns:
            raise ReturnFileError(
                f"“{title}”表的使用范围过大（{last_row}行×{last_column}列），"
                "拒绝导入；请删除表格右侧和下方多余的行列后另存再上传。"
            )
        if merges > MAX_MERGED_RANGES:
            raise ReturnFileError(
                f"“{title}”表的合并单元格超过{MAX_MERGED_RANGES}处，拒绝导入。"
            )


_FORMULA = re.compile(rb"<(\w+:)?f[ >/]")


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return any(
            _FORMULA.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def uploaded_returns(files) -> list[tuple[str, bytes]]:
    """Return (name, content) of each uploaded spreadsheet, opening .zip bundles
    safely (the spreadsheets inside, by their extension)."""
    found = []
    for upload in files:
        if upload.size > MAX_FILE_BYTES * 5:
            raise ReturnFileError(f"{upload.name}：文件过大。")
        data = upload.read()
        if not upload.name.lower().endswith(".zip"):
            found.append((upload.name, data))
            continue
        try:
            archive = zipfile.ZipFile(BytesIO(data))
        except zipfile.BadZipFile:
            raise ReturnFileError(f"{upload.name}：压缩包已损坏。") from None
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if len(entries) > 100:
            raise ReturnFileError(f"{upload.name}：压缩包内文件过多（最多100个）。")
        total = sum(e.file_size for e in entries)
        packed = sum(e.compress_size for e in entries) or 1
        if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
            raise ReturnFileError(
                f"{upload.name}：解压后过大（疑似压缩炸弹），拒绝导入。"
            )
        for entry in entries:
            if entry.filename.lower().endswith(tuple(ACCEPTED.split(","))):
                # Only the base name is kept; a path inside the archive is ignored.
                found.append((entry.filename.rsplit("/", 1)[-1], archive.read(entry)))
    return found
