"""Check an uploaded evidence file by its content, never by its name.

Evidence is opened later by officials' browsers and Office, so a file is accepted
only if it is what it claims to be and nothing more: no script or web page hidden in
it (a PDF with JavaScript or text after its end, a GIF that is also JavaScript), no
program inside an Office document, no archive that unpacks to hundreds of megabytes.
"""

import re
import zipfile
import zlib

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

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
# Parts of an Office document that carry programs or other files. A chart's data
# (embeddings/*.xlsx) is ordinary; an OLE object (embeddings/*.bin) is not.
_OFFICE_PROGRAM_PARTS = re.compile(
    r"(vbaProject\.bin|/embeddings/.*\.bin$|/activeX/|\.(exe|dll|com|bat|cmd|scr|js|"
    r"vbs|jar|msi|ps1|hta|lnk|wsf)$)",
    re.IGNORECASE,
)
# Relationships that make Word fetch something from elsewhere when the file opens
# (the "Follina" route); links to web pages stay allowed.
_REMOTE_PARTS = re.compile(
    rb'<Relationship[^>]*Type="[^"]*/(oleObject|attachedTemplate|frame|subDocument|'
    rb'externalLinkPath)"[^>]*TargetMode="External"|<Relationship[^>]*'
    rb'TargetMode="External"[^>]*Type="[^"]*/(oleObject|attachedTemplate|frame|'
    rb'subDocument|externalLinkPath)"',
    re.IGNORECASE,
)
# Old Office files: which stream (UTF-16 name) shows what the file is.
_OLE_KINDS = {
    "application/msword": ("WordDocument",),
    "application/vnd.ms-excel": ("Workbook", "Book"),
}
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


_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Compressed object streams hold dictionaries too; read at most this much of each.
MAX_OBJECT_STREAM = 5 * 1024 * 1024


def _pdf_dictionaries(data: bytes) -> bytes:
    """The PDF's own syntax: its text with stream contents (compressed images and
    pages, where any byte sequence occurs by chance) cut out, plus the unpacked
    contents of its object streams, with #xx escapes in names undone."""
    parts, position = [], 0
    while (start := _STREAM_START.search(data, position)) is not None:
        end = data.find(b"endstream", start.end())
        if end < 0:
            break
        parts.append(data[position : start.start()])
        header = data[max(0, start.start() - 2000) : start.start()]
        header = header[header.rfind(b"<<") :]
        if b"/ObjStm" in header and b"/FlateDecode" in header:
            try:
                body = data[start.end() : end]
                parts.append(zlib.decompressobj().decompress(body, MAX_OBJECT_STREAM))
            except zlib.error:
                pass
        position = end + len(b"endstream")
    parts.append(data[position:])
    text = b"\n".join(parts)
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text)


def _check_pdf(upload: UploadedFile, data: bytes) -> None:
    syntax = _pdf_dictionaries(data)
    if _PDF_ACTIONS.search(syntax):
        raise _refuse(upload, "含有脚本或自动执行的动作，不予接收。", "pdf_script")
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(b"\x00\t\r\n "):
        raise _refuse(upload, "在 PDF 结尾之后还有其他内容，不予接收。", "trailing")
    if _ACTIVE_CONTENT.search(syntax):
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
    # A browser sniffs the first bytes of a file; markup hidden further in a picture
    # is read by nobody, and compressed pixels match any pattern by chance.
    if _ACTIVE_CONTENT.search(data[:1024]) or _ACTIVE_CONTENT.search(data[-1024:]):
        raise _refuse(upload, "含有网页或脚本内容，不予接收。", "active_content")


def _office_type(upload: UploadedFile, data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            heads = {e.filename: archive.open(e).read(2) for e in entries[:50]}
            remote = any(
                _REMOTE_PARTS.search(archive.read(e)[:1_000_000])
                for e in entries
                if e.filename.endswith(".rels") and e.file_size < 1_000_000
            )
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
    if remote:
        raise _refuse(
            upload,
            "打开时会从外部取回对象或模板，不予接收；请另存为普通文档。",
            "remote",
        )
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


def _old_office_type(upload: UploadedFile, data: bytes) -> str | None:
    """An old .doc or .xls, shown by its main stream; any other compound file
    (an .msi installer, a .msg) is not evidence."""
    if any(stream in data for stream in _OLE_PROGRAM_STREAMS):
        raise _refuse(
            upload, "内含宏或嵌入对象，不予接收；请另存为 .docx 或 .xlsx。", "program"
        )
    for mime, streams in _OLE_KINDS.items():
        if any(name.encode("utf-16-le") in data for name in streams):
            return mime
    return None


# The name a file is downloaded under ends as its content is, whatever it was
# uploaded as: "setup.msi" checked as a PDF is sent as "setup.pdf".
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    # fmt: off
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",  # noqa: E501
    # fmt: on
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
}


def download_name(original: str, content_type: str) -> str:
    stem = original.rsplit(".", 1)[0] if "." in original else original
    return (stem or "佐证材料") + EXTENSIONS.get(content_type, "")


def evidence_save(record, upload: UploadedFile, *, user, now) -> None:
    """Fill an unsaved evidence row (returns' or the 危房台账's) from an upload
    whose content is checked here, and save it with its file, audited as `user`."""
    record.content_type = evidence_content_type(upload)
    record.original_name = upload.name[-255:]
    record.size = upload.size
    record.uploaded_by = user
    record.uploaded_at = now
    record._history_user = user
    record._history_date = now
    save_with_file(record, upload)


def save_with_file(record, upload: UploadedFile) -> None:
    """Save `record` (a model with a `file` field) with `upload` as its file.

    The file is written first; if the row then fails, the file is deleted, so no
    file is left on disk that no record names.
    """
    record.file.save(upload.name, upload, save=False)
    try:
        record.save()
    except BaseException:
        record.file.storage.delete(record.file.name)
        raise


def evidence_response(record) -> FileResponse:
    """Send a stored file (`record` has file, original_name, content_type).

    Sent as an attachment under its checked type, never rendered by the browser:
    a file is evidence to keep, not a page of this site.
    """
    try:
        handle = record.file.open("rb")
    except FileNotFoundError:
        raise Http404("佐证材料的文件已不在服务器上，请联系管理员。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(record.original_name, record.content_type),
        content_type=record.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
