"""What python-calamine does not say about a .xls, .ods or .xlsb sheet, read from
the file itself before calamine lays anything out.

calamine reads a whole sheet into a dense grid as it opens it (a .xls, all its
sheets), so each sheet's extent is measured here first, from the cells the file
holds, and refused past the limits (`xlsx_safety.check_dimensions`). The same
pass finds what calamine drops: which number cells are shown as a percent (85%
is stored as 0.85), which cells hold an error value ("#NAME?", which calamine
reads as blank), and, for .ods and .xlsb, the merged ranges.
"""

import re
import struct
import zipfile
from dataclasses import dataclass, field
from html import unescape
from posixpath import join, normpath

from defusedxml import ElementTree  # the .xlsb's relationships
from openpyxl.styles.numbers import BUILTIN_FORMATS

from yuecheng_housing.lib.cells import is_percent_format
from yuecheng_housing.lib.xlsx_merges import PACKAGE_REL, Range


@dataclass
class Layout:
    """One sheet: how far its cells reach (1-based last row and column), the
    percent format of number cells shown as a percent and the error value of
    error cells by (row, column), 0-based, and its merged ranges."""

    title: str = ""
    rows: int = 0
    columns: int = 0
    percent: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Range] = field(default_factory=list)

    def reach(self, row: int, column: int) -> None:
        self.rows = max(self.rows, row + 1)
        self.columns = max(self.columns, column + 1)


class Encrypted(Exception):
    """The workbook is protected by a password to open."""


def _percent_codes(codes: dict[int, str], xf_formats: list[int]) -> dict[int, str]:
    """{cell style index: format} of the styles that show a percent."""
    known = dict(BUILTIN_FORMATS) | codes
    return {
        index: known[number]
        for index, number in enumerate(xf_formats)
        if is_percent_format(known.get(number, ""))
    }


# .xls (BIFF8; WPS .et is the same inside)

_ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}
_NUMBER_CELLS = {0x0203, 0x027E, 0x0006}  # NUMBER, RK, FORMULA
_OTHER_CELLS = {0x00FD, 0x0204, 0x0205, 0x0201, 0x00D6}  # text, bool/error, blank
_MULTIPLE_CELLS = {0x00BD, 0x00BE}  # MULRK, MULBLANK


def _records(stream: bytes, start: int = 0):
    at = start
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4 : at + 4 + length]
        at += 4 + length


def biff_layouts(stream: bytes) -> list[Layout | None]:
    """Layouts of a .xls workbook stream's sheets in workbook order (None for a
    chart sheet); raise Encrypted if it needs a password."""
    codes: dict[int, str] = {}
    xf_formats: list[int] = []
    sheets: list[tuple[int, int]] = []  # (offset of its BOF, type)
    for kind, body in _records(stream):
        if kind == 0x002F:  # FILEPASS
            raise Encrypted
        if kind == 0x041E and len(body) >= 5:  # FORMAT
            number, count, flags = struct.unpack_from("<HHB", body)
            raw = body[5 : 5 + count * (2 if flags & 1 else 1)]
            codes[number] = raw.decode(
                "utf-16-le" if flags & 1 else "latin-1", "ignore"
            )
        elif kind == 0x00E0 and len(body) >= 4:  # XF
            xf_formats.append(struct.unpack_from("<H", body, 2)[0])
        elif kind == 0x0085 and len(body) >= 6:  # BOUNDSHEET
            offset, _, sheet_type = struct.unpack_from("<IBB", body)
            sheets.append((offset, sheet_type, _biff_name(body[6:])))
        elif kind == 0x000A:  # EOF of the workbook globals
            break
    percent = _percent_codes(codes, xf_formats)
    return [
        _biff_sheet(stream, offset, percent, title) if sheet_type == 0 else None
        for offset, sheet_type, title in sheets
    ]


def _biff_name(raw: bytes) -> str:
    """A sheet's name in BOUNDSHEET (BIFF8: count, flags, characters)."""
    if len(raw) < 2:
        return ""
    count, flags = raw[0], raw[1]
    text = raw[2 : 2 + count * (2 if flags & 1 else 1)]
    return text.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


def _biff_sheet(
    stream: bytes, offset: int, percent: dict[int, str], title: str
) -> Layout:
    layout, depth = Layout(title), 0
    for kind, body in _records(stream, offset):
        if kind == 0x0809:  # BOF (a chart inside the sheet nests one)
            depth += 1
        elif kind == 0x000A:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1 and len(body) >= 6 and kind in _NUMBER_CELLS | _OTHER_CELLS:
            row, column, style = struct.unpack_from("<HHH", body)
            layout.reach(row, column)
            if kind in _NUMBER_CELLS and style in percent:
                layout.percent[row, column] = percent[style]
            if kind == 0x0205 and len(body) >= 8 and body[7]:
                layout.errors[row, column] = _ERROR_CODES.get(body[6], "#VALUE!")
            if kind == 0x0006 and len(body) >= 14 and body[12:14] == b"\xff\xff":
                if body[6] == 2:
                    layout.errors[row, column] = _ERROR_CODES.get(body[8], "#VALUE!")
        elif depth == 1 and kind in _MULTIPLE_CELLS and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            layout.reach(row, last)
            if kind == 0x00BD:  # MULRK: (style, number) per cell
                for index in range(last - first + 1):
                    at = 4 + index * 6
                    if at + 2 > len(body) - 2:
                        break
                    (style,) = struct.unpack_from("<H", body, at)
                    if style in percent:
                        layout.percent[row, first + index] = percent[style]
    return layout


# .ods

# content.xml is scanned by its tags, as an .xlsx sheet's XML is measured
# (xlsx_safety.sheet_extent): defusedxml's parser, building an element for every
# cell, took three times as long on a 49 000-row return.
_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_VALUE_TYPE = re.compile(rb'\boffice:value-type="([^"]*)"')
_ODS_ERROR = re.compile(rb'\bcalcext:value-type="error"')
_ODS_CELL_END = re.compile(rb"</table:(?:covered-)?table-cell>")
_ODS_TEXT = re.compile(rb">([^<]+)<")
# A repeat count past this is a sheet's empty tail (LibreOffice writes 1 048 570
# empty rows that way); counted only if the cell holds something.
_MAX_REPEAT = 1 << 24


_ODS_COUNTS = {
    name: re.compile(rb"\btable:" + name + rb'="([0-9]{1,9})"')
    for name in (
        b"number-rows-repeated",
        b"number-columns-repeated",
        b"number-rows-spanned",
        b"number-columns-spanned",
    )
}


def _count(attributes: bytes, name: bytes) -> int:
    if name not in attributes:  # nearly always: a plain test before a search
        return 1
    match = _ODS_COUNTS[name].search(attributes)
    return min(max(int(match.group(1)), 1), _MAX_REPEAT) if match else 1


def ods_layouts(archive: zipfile.ZipFile) -> list[Layout]:
    """Layouts of an .ods's sheets in order, from its content.xml."""
    xml = archive.read("content.xml")
    layouts: list[Layout] = []
    row = column = 0
    row_repeat, row_reached = 1, False
    for match in _ODS_TAG.finditer(xml):
        closing, tag, attributes, empty = match.groups()
        if tag == b"table":
            if not closing:
                name = _ODS_NAME.search(attributes)
                title = name.group(1).decode("utf-8", "replace") if name else ""
                layouts.append(Layout(unescape(title)))
                row = 0
            continue
        if not layouts:
            continue
        layout = layouts[-1]
        if tag == b"table-row":
            if not closing:
                column, row_reached = 0, False
                row_repeat = _count(attributes, b"number-rows-repeated")
            if closing or empty:
                if row_reached and row_repeat > 1:
                    # A row holding something, repeated: all its copies count.
                    layout.rows = max(layout.rows, row + row_repeat)
                row += row_repeat
            continue
        if closing:
            continue
        repeat = _count(attributes, b"number-columns-repeated")
        if _ods_cell(layout, xml, match, attributes, empty, row, column, repeat):
            row_reached = True
        column += repeat
    return layouts


def _ods_cell(layout, xml, match, attributes, empty, row, column, repeat) -> bool:
    """Record one cell (repeated `repeat` times); return whether it holds
    anything."""
    kind = _ODS_VALUE_TYPE.search(attributes)
    spans = (
        (
            _count(attributes, b"number-rows-spanned"),
            _count(attributes, b"number-columns-spanned"),
        )
        if b"spanned" in attributes
        else (1, 1)
    )
    error = b"error" in attributes and _ODS_ERROR.search(attributes)
    text = b""
    if not empty and (kind is None or error):
        end = _ODS_CELL_END.search(xml, match.end())
        inside = xml[match.end() : end.start() if end else match.end()]
        text = b"".join(_ODS_TEXT.findall(inside)).strip()
    if kind is None and not text and spans == (1, 1):
        return False
    layout.reach(row, column + repeat - 1)
    if spans != (1, 1):
        layout.merges.append((column + 1, row + 1, column + spans[1], row + spans[0]))
        layout.reach(row + spans[0] - 1, column + spans[1] - 1)
    percent = kind is not None and kind.group(1) == b"percentage"
    for at in range(column, column + min(repeat, 1024) if percent or error else 0):
        if percent:
            layout.percent[row, at] = "0%"
        if error:
            shown = unescape(text.decode("utf-8", "replace"))
            layout.errors[row, at] = shown or "#VALUE!"
    return kind is not None or bool(text)


# .xlsb

_XLSB_NUMBER_CELLS = {0x02, 0x05, 0x09}  # RK, Real, formula with a number
_XLSB_CELLS = set(range(0x01, 0x0C))


def _xlsb_records(data: bytes):
    at = 0
    while at < len(data):
        kind = data[at]
        at += 1
        if kind & 0x80:
            if at >= len(data):
                return
            kind = (kind & 0x7F) | ((data[at] & 0x7F) << 7)
            at += 1
        size = shift = 0
        for _ in range(4):
            if at >= len(data):
                return
            byte = data[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        yield kind, data[at : at + size]
        at += size


def xlsb_layouts(archive: zipfile.ZipFile) -> list[Layout]:
    """Layouts of an .xlsb's sheets in workbook order."""
    names = set(archive.namelist())
    percent = _xlsb_percent(archive) if "xl/styles.bin" in names else {}
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.bin.rels"))
    targets = {
        r.get("Id"): r.get("Target", "")
        for r in rels.iter(f"{PACKAGE_REL}Relationship")
    }
    layouts = []
    for kind, body in _xlsb_records(archive.read("xl/workbook.bin")):
        if kind != 0x9C or len(body) < 12:  # BrtBundleSh
            continue
        (count,) = struct.unpack_from("<I", body, 8)
        relation = body[12 : 12 + 2 * count].decode("utf-16-le", "ignore")
        at = 12 + 2 * count
        (length,) = struct.unpack_from("<I", body, at) if len(body) >= at + 4 else (0,)
        title = body[at + 4 : at + 4 + 2 * length].decode("utf-16-le", "replace")
        target = targets.get(relation, "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else normpath(join("xl", target))
        )
        layout = _xlsb_sheet(archive.read(path), percent) if path in names else Layout()
        layout.title = title
        layouts.append(layout)
    return layouts


def _xlsb_sheet(data: bytes, percent: dict[int, str]) -> Layout:
    layout, row = Layout(), 0
    for kind, body in _xlsb_records(data):
        if kind == 0x00 and len(body) >= 4:  # BrtRowHdr
            (row,) = struct.unpack_from("<I", body)
        elif kind in _XLSB_CELLS and len(body) >= 8:
            column, style = struct.unpack_from("<II", body)
            style &= 0xFFFFFF
            layout.reach(row, column)
            if kind in _XLSB_NUMBER_CELLS and style in percent:
                layout.percent[row, column] = percent[style]
            if kind in (0x03, 0x0B) and len(body) >= 9:
                layout.errors[row, column] = _ERROR_CODES.get(body[8], "#VALUE!")
        elif kind == 0xB0 and len(body) >= 16:  # BrtMergeCell
            first_row, last_row, first, last = struct.unpack_from("<IIII", body)
            layout.merges.append((first + 1, first_row + 1, last + 1, last_row + 1))
            layout.reach(last_row, last)
    return layout


def _xlsb_percent(archive: zipfile.ZipFile) -> dict[int, str]:
    codes: dict[int, str] = {}
    xf_formats: list[int] = []
    in_cell_styles = False
    for kind, body in _xlsb_records(archive.read("xl/styles.bin")):
        if kind == 0x2C and len(body) >= 6:  # BrtFmt
            number, count = struct.unpack_from("<HI", body)
            codes[number] = body[6 : 6 + 2 * count].decode("utf-16-le", "ignore")
        elif kind == 0x269:  # BrtBeginCellXFs
            in_cell_styles = True
        elif kind == 0x26A:
            in_cell_styles = False
        elif kind == 0x2F and in_cell_styles and len(body) >= 4:  # BrtXF
            xf_formats.append(struct.unpack_from("<H", body, 2)[0])
    return _percent_codes(codes, xf_formats)
