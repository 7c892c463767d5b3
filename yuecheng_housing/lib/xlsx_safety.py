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
