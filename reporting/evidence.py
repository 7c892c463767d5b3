"""Check an uploaded evidence file by its content, never by its name."""

import zipfile

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


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


def evidence_content_type(upload: UploadedFile) -> str:
    """Return the accepted MIME type of an upload; ValidationError if refused."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            f"文件“{upload.name}”超过{MAX_EVIDENCE_BYTES // 1024 // 1024}MB上限。",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == "application/zip" or head.startswith(b"PK\x03\x04"):
        mime = _office_type(upload)
    elif head.startswith(_OLE_MAGIC):
        mime = (
            "application/msword"
            if upload.name.lower().endswith(".doc")
            else ("application/vnd.ms-excel")
        )
    if mime not in ACCEPTED:
        raise ValidationError(
            f"文件“{upload.name}”不是允许的类型（PDF、图片或 Office 文档）。",
            code="bad_type",
        )
    return mime


def _office_type(upload: UploadedFile) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for prefix, mime in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return mime
    return None
