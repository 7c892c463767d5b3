import re
import zipfile
from io import BytesIO

MAX_FILE_BYTES = 10 * 1024 * 1024


MAX_ZIP_ENTRIES = 500


MAX_UNCOMPRESSED = 200 * 1024 * 1024


MAX_RATIO = 100


class ReturnFileError(Exception):
    """The file cannot be read as a return at all; the message says why."""


def check_file(data: bytes, name: str) -> None:
    """Refuse what is not a plain .xlsx before openpyxl opens it."""
    if len(data) > MAX_FILE_BYTES:
        raise ReturnFileError(f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB上限。")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ReturnFileError(
            "这是旧版 .xls 或 WPS .et 文件，请另存为 .xlsx 后再上传。"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ReturnFileError("不是 .xlsx 文件，请另存为 .xlsx 后再上传。")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise ReturnFileError(
            "文件已损坏或不是 .xlsx，请另存为 .xlsx 后再上传。"
        ) from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ReturnFileError("文件结构异常（条目过多），拒绝导入。")
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ReturnFileError("文件解压后过大（疑似压缩炸弹），拒绝导入。")
    names = {e.filename for e in entries}
    if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
        raise ReturnFileError(
            "这是 OpenDocument 表格（.ods），"
            "请在 LibreOffice 或 WPS 中另存为 .xlsx 后再上传。"
        )
    if "xl/workbook.xml" not in names:
        raise ReturnFileError("不是 Excel 工作簿，请另存为 .xlsx 后再上传。")
    types = (
        archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    )
    if "xl/vbaProject.bin" in names or b"macroEnabled" in types:
        raise ReturnFileError("文件含宏（.xlsm），不予导入；请另存为不含宏的 .xlsx。")


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
    """Refuse a workbook whose sheets reach further than a reader may lay out:
    more than `max_rows` rows in all, more than `max_rows` × `max_columns` cells
    of area in all, or more than MAX_MERGED_RANGES merged ranges."""
    rows_total = area_total = 0
    for title, xml in sheets.items():
        last_row, last_column = sheet_extent(xml)
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
        if sum(1 for _ in _MERGE.finditer(xml)) > MAX_MERGED_RANGES:
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
    """Return (name, content) of each uploaded .xlsx, opening .zip bundles safely."""
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
            if entry.filename.lower().endswith(".xlsx"):
                # Only the base name is kept; a path inside the archive is ignored.
                found.append((entry.filename.rsplit("/", 1)[-1], archive.read(entry)))
    return found
