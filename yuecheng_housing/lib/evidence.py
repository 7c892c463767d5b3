"""Check an uploaded evidence file by its content, never by its name.

Evidence is opened later by officials' browsers and Office, so a file is accepted
only if it is what it claims to be and nothing more: no script or web page hidden in
it (a PDF with JavaScript or text after its end, a GIF that is also JavaScript), no
program inside an Office document, no archive that unpacks to hundreds of megabytes.
"""

import base64
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
# PDF actions that run code, open or send to other files, or carry other files,
# and what each is called when refused.
_PDF_ACTIONS = re.compile(
    rb"/(JavaScript|JS|Launch|GoToR|GoToE|SubmitForm|ImportData|EmbeddedFile|"
    rb"RichMedia|XFA)(?![A-Za-z0-9])"
)
_PDF_ACTION_NAMES = {
    b"JavaScript": "JavaScript 脚本",
    b"JS": "JavaScript 脚本",
    b"Launch": "启动外部程序的动作（/Launch）",
    b"GoToR": "打开其他文件的动作（/GoToR）",
    b"GoToE": "打开嵌入文件的动作（/GoToE）",
    b"SubmitForm": "向外部提交表单的动作（/SubmitForm）",
    b"ImportData": "导入外部数据的动作（/ImportData）",
    b"EmbeddedFile": "嵌入的文件（/EmbeddedFile）",
    b"RichMedia": "富媒体（/RichMedia）",
    b"XFA": "XFA 动态表单",
}
# Parts of an Office document that carry programs or other files. A chart's data
# (embeddings/*.xlsx) is ordinary; an OLE object (embeddings/*.bin) is not.
_OFFICE_PROGRAM_PARTS = re.compile(
    r"(vbaProject\.bin|/embeddings/.*\.bin$|/activeX/|\.(exe|dll|com|bat|cmd|scr|js|"
    r"vbs|jar|msi|ps1|hta|lnk|wsf)$)",
    re.IGNORECASE,
)
# A relationship to something outside the file is fetched (or run) when the file
# opens: a template or OLE object from a server (the "Follina" route), a picture
# from the web, another workbook's cells. Only a hyperlink, which a reader clicks,
# may point outside.
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.IGNORECASE)
_REL_TYPE = re.compile(rb'Type\s*=\s*["\'][^"\']*/([A-Za-z]+)["\']', re.IGNORECASE)
_EXTERNAL = re.compile(rb'TargetMode\s*=\s*["\']External["\']', re.IGNORECASE)
# What relationship types (inside the file) bring in a program or a web page.
_ACTIVE_RELATIONSHIPS = {
    b"oleobject": "嵌入的 OLE 对象",
    b"afchunk": "嵌入的网页或其他文档（altChunk）",
    b"vbaproject": "宏（VBA）",
    b"activexcontrol": "ActiveX 控件",
}
# Content types of parts that hold macros: an .xlsm renamed to .xlsx.
_MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject|ms-office\.activeX", re.IGNORECASE)
# Dynamic Data Exchange: a cell (=cmd|'/c calc'!A1), an external link part or a
# Word field (DDEAUTO) that asks Office to start another program.
_DDE_LINK = re.compile(rb"<(?:\w+:)?ddeLink\b", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
_QUOTED = re.compile(rb'"[^"]*"|&quot;.*?&quot;')
_DDE_FORMULA = re.compile(rb"[A-Za-z0-9_.\-]+\s*\|")
_FIELD_CODE = re.compile(
    rb"<(?:\w+:)?instrText\b[^>]*>([^<]*)<|\binstr\s*=\s*\"([^\"]*)\"", re.IGNORECASE
)
_DDE_FIELD = re.compile(rb"\bDDE(?:AUTO)?\b", re.IGNORECASE)
# Parts read for these checks, each at most this much (the whole file has been
# bounded to MAX_UNPACKED_BYTES first).
MAX_PART_READ = 20 * 1024 * 1024
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
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_FILTER_NAME = re.compile(rb"/([A-Za-z0-9]+)")
# Object streams hold dictionaries too, so they are unpacked and read; a stream
# may unpack to at most this much, and all of them together to MAX_PDF_UNPACKED.
MAX_OBJECT_STREAM = 5 * 1024 * 1024
MAX_PDF_UNPACKED = 20 * 1024 * 1024


class _Unreadable(Exception):
    """An object stream that cannot be unpacked, so cannot be checked."""


class _TooLarge(Exception):
    """An object stream that unpacks past the limits (a "Flate bomb")."""


def _unescape(text: bytes) -> bytes:
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text)


def _flate(data: bytes, limit: int) -> bytes:
    engine = zlib.decompressobj()
    # max_length bounds the output: a few KB that unpack to gigabytes stop here.
    out = engine.decompress(data, limit + 1)
    if len(out) > limit:
        raise _TooLarge
    return out


def _hex(data: bytes, limit: int) -> bytes:
    digits = re.sub(rb"\s", b"", data.split(b">", 1)[0])
    if len(digits) % 2:
        digits += b"0"  # the PDF rule: a missing last digit is 0
    return bytes.fromhex(digits.decode("ascii"))


def _ascii85(data: bytes, limit: int) -> bytes:
    body = re.sub(rb"\s", b"", data).removeprefix(b"<~").split(b"~>", 1)[0]
    return base64.a85decode(body)


def _run_length(data: bytes, limit: int) -> bytes:
    out, i = bytearray(), 0
    while i < len(data) and data[i] != 128:
        count = data[i]
        if count < 128:
            out += data[i + 1 : i + 2 + count]
            i += count + 2
        else:
            out += data[i + 1 : i + 2] * (257 - count)
            i += 2
        if len(out) > limit:
            raise _TooLarge
    return bytes(out)


# The filters an object stream can be packed with that this check unpacks (with
# the short names PDF also allows); any other filter leaves it unreadable here.
_DECODERS = {
    b"FlateDecode": _flate, b"Fl": _flate,
    b"ASCIIHexDecode": _hex, b"AHx": _hex,
    b"ASCII85Decode": _ascii85, b"A85": _ascii85,
    b"RunLengthDecode": _run_length, b"RL": _run_length,
}  # fmt: skip


def _unpack(body: bytes, header: bytes, limit: int) -> bytes:
    """A stream's content with its filters undone in order, at most `limit` bytes."""
    found = _FILTER.search(header)
    names = _FILTER_NAME.findall(found.group(1)) if found else []
    for name in names:
        decoder = _DECODERS.get(name)
        if decoder is None:
            raise _Unreadable
        try:
            body = decoder(body, limit)
        except (zlib.error, ValueError, UnicodeDecodeError):
            raise _Unreadable from None
        if len(body) > limit:
            raise _TooLarge
    return body


def _pdf_dictionaries(data: bytes) -> bytes:
    """The PDF's own syntax: its text with stream contents (compressed images and
    pages, where any byte sequence occurs by chance) cut out, plus the unpacked
    contents of its object streams, with #xx escapes in names undone."""
    parts, position, unpacked = [], 0, 0
    while (start := _STREAM_START.search(data, position)) is not None:
        end = data.find(b"endstream", start.end())
        if end < 0:
            break
        parts.append(data[position : start.start()])
        header = data[max(0, start.start() - 2000) : start.start()]
        # Escapes undone first: /Obj#53tm and /Fl#61teDecode are the same names.
        header = _unescape(header[header.rfind(b"<<") :])
        if re.search(rb"/Type\s*/ObjStm(?![A-Za-z0-9])", header):
            limit = min(MAX_OBJECT_STREAM, MAX_PDF_UNPACKED - unpacked)
            body = _unpack(data[start.end() : end], header, limit)
            unpacked += len(body)
            parts.append(body)
        position = end + len(b"endstream")
    parts.append(data[position:])
    return _unescape(b"\n".join(parts))


def _check_pdf(upload: UploadedFile, data: bytes) -> None:
    try:
        syntax = _pdf_dictionaries(data)
    except _TooLarge:
        raise _refuse(
            upload, "内含解压后过大的对象流（疑似压缩炸弹），不予接收。", "pdf_bomb"
        ) from None
    except _Unreadable:
        raise _refuse(
            upload,
            "内含无法解开的对象流，无法检查其中是否有脚本，不予接收；"
            "请用常用软件另存为 PDF 后再上传。",
            "pdf_unreadable",
        ) from None
    actions = {_PDF_ACTION_NAMES[m.group(1)] for m in _PDF_ACTIONS.finditer(syntax)}
    if actions:
        code = "pdf_script" if "JavaScript 脚本" in actions else "pdf_action"
        raise _refuse(upload, f"含有{'、'.join(sorted(actions))}，不予接收。", code)
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
            names = [e.filename for e in entries]
            if "[Content_Types].xml" not in names:
                return None
            # Sizes as the archive declares them, which bound what reading
            # can unpack (zipfile stops at the declared size): checked before
            # any part is read.
            unpacked = sum(e.file_size for e in entries)
            if (
                len(entries) > MAX_ZIP_ENTRIES
                or unpacked > MAX_UNPACKED_BYTES
                or unpacked / max(len(data), 1) > MAX_RATIO
            ):
                raise _refuse(
                    upload, "解压后过大（疑似压缩炸弹），不予接收。", "zip_bomb"
                )
            heads = {e.filename: archive.open(e).read(2) for e in entries[:50]}
            found = _office_findings(archive, entries)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
        return None
    finally:
        upload.seek(0)
    if found["remote"]:
        raise _refuse(
            upload,
            f"打开时会从外部取回内容（{'、'.join(sorted(found['remote']))}），"
            "不予接收；请另存为普通文档。",
            "remote",
        )
    if found["dde"]:
        raise _refuse(
            upload,
            f"含有 DDE 外部程序链接（{'、'.join(sorted(found['dde']))}），"
            "打开时可能启动其他程序，不予接收；请删除该链接后另存。",
            "dde",
        )
    programs = set(found["active"])
    if any(_OFFICE_PROGRAM_PARTS.search(n) for n in names):
        programs.add("宏、嵌入对象或可执行程序")
    if any(head == b"MZ" for head in heads.values()):
        programs.add("可执行程序")
    if programs:
        raise _refuse(
            upload,
            f"内含{'、'.join(sorted(programs))}，不予接收；请另存为普通文档。",
            "program",
        )
    for prefix, mime in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def _office_findings(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]
) -> dict[str, set[str]]:
    """What an Office document holds that runs or fetches something, by kind."""
    found: dict[str, set[str]] = {"remote": set(), "dde": set(), "active": set()}

    def read(entry: zipfile.ZipInfo) -> bytes:
        with archive.open(entry) as part:
            return part.read(MAX_PART_READ)

    for entry in entries:
        name = entry.filename
        lower = name.lower()
        if lower.endswith(".rels"):
            for relationship in _RELATIONSHIP.findall(read(entry)):
                kind = _REL_TYPE.search(relationship)
                kind = kind.group(1).decode("ascii", "replace") if kind else "未知"
                if _EXTERNAL.search(relationship):
                    if kind.lower() != "hyperlink":
                        found["remote"].add(kind)
                elif what := _ACTIVE_RELATIONSHIPS.get(kind.lower().encode()):
                    found["active"].add(what)
        elif lower == "[content_types].xml":
            if _MACRO_TYPES.search(read(entry)):
                found["active"].add("宏（启用宏的文档类型）")
        elif lower.startswith("word/afchunk") or "/afchunk" in lower:
            found["active"].add("嵌入的网页或其他文档（altChunk）")
        elif lower.startswith("xl/externallinks/") and lower.endswith(".xml"):
            if _DDE_LINK.search(read(entry)):
                found["dde"].add(f"外部链接 {name}")
        elif lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
            for formula in _FORMULA.findall(read(entry)):
                if _DDE_FORMULA.search(_QUOTED.sub(b"", formula)):
                    text = formula[:40].decode("utf-8", "replace")
                    found["dde"].add(f"公式“={text}”")
        elif lower.startswith("word/") and lower.endswith(".xml"):
            # A field's code may be split over several runs ("DD", "EAUTO").
            codes = b"".join(a + b for a, b in _FIELD_CODE.findall(read(entry)))
            if _DDE_FIELD.search(codes):
                found["dde"].add("Word 域代码 DDE")
    return found


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
