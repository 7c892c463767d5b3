"""Check an uploaded evidence file by its content, never by its name.

Evidence is opened later by officials' browsers and Office, so a file is accepted
only if it is what it claims to be and nothing more: no script or web page hidden in
it (a PDF with JavaScript or text after its end, a GIF that is also JavaScript), no
program inside an Office document, no archive that unpacks to hundreds of megabytes.
"""

import re
import zipfile

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from yuecheng_housing.lib.xlsx_safety import MAX_RATIO, MAX_ZIP_ENTRIES

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# An Office document unpacks to a few times its size; 100 MB is far beyond any real one.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

ACCEPTED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG 图片",
    "image/png": "PNG 图片",
    "image/gif": "GIF 图片",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPT",
    "application/msword": "Word（旧版）",
    "application/vnd.ms-excel": "Excel（旧版）",
}

# Office documents are zip archives; this part names which application made them.
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What a browser would run if it ever took the file for a page or a script.
_ACTIVE_CONTENT = re.compile(
    rb"<\s*(script|html|svg|iframe|object|embed)\b|javascript:|<\?php",
    re.IGNORECASE,
)
# PDF actions that run code or open other files when the PDF is viewed.
_PDF_ACTIONS = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|OpenAction\s*<<[^>]*/JS)\b"
)
# Parts of an Office document that carry programs or other files.
_OFFICE_PROGRAM_PARTS = re.compile(
    r"(vbaProject\.bin|/embeddings/|/activeX/|\.(exe|dll|com|bat|cmd|scr|js|vbs|"
    r"jar|msi|ps1|hta|lnk)$)",
    re.IGNORECASE,
)
# Stream names (UTF-16) of macros and embedded packages in old .doc/.xls files.
_OLE_PROGRAM_STREAMS = [
    name.encode("utf-16-le") for name in ("_VBA_PROJECT", "Macros", "Ole10Native")
]


def _refuse(upload: UploadedFile, why: str, code: str) -> ValidationError:
    return ValidationError(f"文件“{upload.name}”{why}", code=code)


def evidence_content_type(upload: UploadedFile) -> str:
    """Return the accepted MIME type of an upload; ValidationError if refused."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise _refuse(
            upload, f"超过{MAX_EVIDENCE_BYTES // 1024 // 1024}MB上限。", "too_large"
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if data.startswith(b"PK\x03\x04"):
        mime = _office_type(upload, data)
    elif data.startswith(_OLE_MAGIC):
        mime = _old_office_type(upload, data)
    if mime not in ACCEPTED:
        raise _refuse(upload, "不是允许的类型（PDF、图片或 Office 文档）。", "bad_type")
    if mime == "application/pdf":
        _check_pdf(upload, data)
    elif mime.startswith("image/"):
        _check_image(upload, data, mime)
    return mime


def _check_pdf(upload: UploadedFile, data: bytes) -> None:
    if _PDF_ACTIONS.search(data):
        raise _refuse(upload, "含有脚本或自动执行的动作，不予接收。", "pdf_script")
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(b"\x00\t\r\n "):
        raise _refuse(upload, "在 PDF 结尾之后还有其他内容，不予接收。", "trailing")
    if _ACTIVE_CONTENT.search(data):
        raise _refuse(upload, "含有网页或脚本内容，不予接收。", "active_content")


# Where each image format ends; anything after it was appended to the picture.
# Not JPEG: phones append a second picture or a short video to their photos.
_IMAGE_END = {"image/png": b"IEND\xaeB`\x82", "image/gif": b"\x3b"}


def _check_image(upload: UploadedFile, data: bytes, mime: str) -> None:
    if mime == "image/gif" and data[6:8] == b"/*":
        # GIF89a/*…*/=alert(1): a width of 10 799 px that opens a JavaScript comment.
        raise _refuse(
            upload, "同时是一段脚本（GIF/JS 混合文件），不予接收。", "polyglot"
        )
    marker = _IMAGE_END.get(mime)
    if marker is not None:
        end = data.rfind(marker)
        if end < 0 or data[end + len(marker) :].strip(b"\x00\r\n "):
            raise _refuse(upload, "在图片结尾之后还有其他内容，不予接收。", "trailing")
    if _ACTIVE_CONTENT.search(data):
        raise _refuse(upload, "含有网页或脚本内容，不予接收。", "active_content")


def _office_type(upload: UploadedFile, data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            heads = {e.filename: archive.open(e).read(2) for e in entries[:50]}
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
        return None
    finally:
        upload.seek(0)
    names = [e.filename for e in entries]
    if "[Content_Types].xml" not in names:
        return None
    unpacked = sum(e.file_size for e in entries)
    if (
        len(entries) > MAX_ZIP_ENTRIES
        or unpacked > MAX_UNPACKED_BYTES
        or unpacked / max(len(data), 1) > MAX_RATIO
    ):
        raise _refuse(upload, "解压后过大（疑似压缩炸弹），不予接收。", "zip_bomb")
    programs = [n for n in names if _OFFICE_PROGRAM_PARTS.search(n)]
    programs += [n for n, head in heads.items() if head == b"MZ"]
    if programs:
        raise _refuse(
            upload,
            "内含宏、嵌入对象或可执行程序，不予接收；请另存为普通文档。",
            "program",
        )
    for prefix, mime in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def _old_office_type(upload: UploadedFile, data: bytes) -> str:
    if any(stream in data for stream in _OLE_PROGRAM_STREAMS):
        raise _refuse(
            upload, "内含宏或嵌入对象，不予接收；请另存为 .docx 或 .xlsx。", "program"
        )
    name = upload.name.lower()
    return "application/msword" if name.endswith(".doc") else "application/vnd.ms-excel"
