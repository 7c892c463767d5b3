"""Spreadsheets in the formats LibreOffice cannot write, built byte by byte for the
tests: a small .xlsb (BIFF12 records in a zip), an OLE compound file with the
streams asked for (an encrypted .xlsx is one holding EncryptedPackage), an .ods."""

import io
import struct
import zipfile


def _record(kind: int, body: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(body), b""
    while True:
        byte = size & 0x7F
        size >>= 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return head + length + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb(rows, *, percent=(), merges=(), errors=()) -> bytes:
    """A one-sheet .xlsb ("指标") of `rows` (numbers and text); cells at the
    (row, column) in `percent` styled "0%", in `errors` holding #NAME?, and the
    0-based `merges` (first row, last row, first column, last column)."""
    cells = b""
    for r, row in enumerate(rows):
        cells += _record(0x00, struct.pack("<IIHHBB", r, 0, 300, 0, 0, 0) + b"\0" * 5)
        for c, value in enumerate(row):
            style = 1 if (r, c) in percent else 0
            head = struct.pack("<II", c, style)
            if (r, c) in errors:
                cells += _record(0x03, head + bytes([0x1D]))
            elif isinstance(value, int | float):
                cells += _record(0x05, head + struct.pack("<d", value))
            elif value is not None:
                cells += _record(0x06, head + _wide(str(value)))
    width = max(len(r) for r in rows)
    merged = b""
    if merges:
        merged = _record(0xB1, struct.pack("<I", len(merges)))
        for first_row, last_row, first, last in merges:
            merged += _record(
                0xB0, struct.pack("<IIII", first_row, last_row, first, last)
            )
        merged += _record(0xB2)
    sheet = (
        _record(0x81)
        + _record(0x94, struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1))
        + _record(0x91)
        + cells
        + _record(0x92)
        + merged
        + _record(0x82)
    )
    book = (
        _record(0x83)
        + _record(0x8F)
        + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("指标"))
        + _record(0x90)
        + _record(0x84)
    )
    xf = struct.pack("<HHHHHBBHBB", 0xFFFF, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    xf_percent = struct.pack("<HHHHHBBHBB", 0xFFFF, 9, 0, 0, 0, 0, 0, 0, 0, 0)
    styles = (
        _record(0x296)
        + _record(0x269, struct.pack("<I", 2))
        + _record(0x2F, xf)
        + _record(0x2F, xf_percent)
        + _record(0x26A)
        + _record(0x297)
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel'
        '.sheet.binary.macroEnabled.main"/><Override PartName="/xl/worksheets/'
        'sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/><Override '
        'PartName="/xl/styles.bin" ContentType="application/vnd.ms-excel.styles"/>'
        "</Types>"
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        archive.writestr(
            "xl/_rels/workbook.bin.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.bin"/><Relationship '
            f'Id="rId2" Type="{rel}/styles" Target="styles.bin"/></Relationships>',
        )
        archive.writestr("xl/workbook.bin", book)
        archive.writestr("xl/worksheets/sheet1.bin", sheet)
        archive.writestr("xl/styles.bin", styles)
    return buffer.getvalue()


def compound(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (512-byte sectors) holding these streams, each stored
    in whole sectors (none in the mini stream: each is padded to 4 096 bytes)."""
    size = 512
    data_sectors, entries, next_sector = [], [], 0
    for name, content in streams.items():
        content = content.ljust(4096, b"\0")
        count = -(-len(content) // size)
        entries.append((name, next_sector, len(content)))
        data_sectors.append(content.ljust(count * size, b"\0"))
        next_sector += count
    directory_sector = next_sector
    fat_sector = next_sector + 1
    fat = []
    for _, start, length in entries:
        count = -(-length // size)
        fat += [start + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFE, 0xFFFFFFFD]  # the directory, the FAT itself
    fat += [0xFFFFFFFF] * (size // 4 - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child=0xFFFFFFFF,
              right=0xFFFFFFFF) -> bytes:  # fmt: skip
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, length)
        )

    directory = entry(
        "Root Entry", 5, 0xFFFFFFFE, 0, child=1 if entries else 0xFFFFFFFF
    )
    for index, (name, start, length) in enumerate(entries, 1):
        right = index + 1 if index < len(entries) else 0xFFFFFFFF
        directory += entry(name, 2, start, length, right=right)
    directory = directory.ljust(size * -(-len(directory) // size), b"\0")[:size]
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
        + struct.pack("<H", 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, 1, directory_sector, 0)
        + struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<I", fat_sector)
        + b"\xff" * (109 * 4 - 4)
    )
    fat_bytes = struct.pack(f"<{size // 4}I", *fat)
    return header + b"".join(data_sectors) + directory + fat_bytes


def ods(content_body: str) -> bytes:
    """An .ods whose one table's rows are `content_body` (table:table-row XML)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="指标">{content_body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
        '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )  # fmt: skip
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()
