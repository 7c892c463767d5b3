"""Every worksheet of a spreadsheet as rows of cells (value, is formula, number
format): `read_workbook` for any format an office sends, `read_sheets` for .xlsx.

The other formats (.xls and WPS .et, .ods, .xlsb) are read by python-calamine
alone, after `sheet_layout` has measured each sheet and found what calamine does
not report (percent formats, error cells, .ods and .xlsb merges), so that the
cells come out as an .xlsx's would and the imports read them with the same rules.

python-calamine (Rust) reads a sheet 10–20× faster than openpyxl's read-only mode,
which matters for a province's 49 000-row return, but it reports neither number
formats, nor error cells (a "#NAME?" comes back blank), nor whether a formula has a
result. So the fast path adds back, from the file's XML, the one format a return
needs (percent: 85% is stored as 0.85) and is taken only when the sheets hold no
error cell and no formula without a result; otherwise openpyxl reads the file, as
it always did, so such cells are refused with their row and column.

The file has been checked first (`xlsx_safety.check_file`): a plain, bounded .xlsx.
"""

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO

import python_calamine
from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS

from yuecheng_housing.lib.cells import is_percent_format
from yuecheng_housing.lib.cfb import CompoundFile, Truncated
from yuecheng_housing.lib.sheet_layout import (
    Encrypted,
    Layout,
    biff_layouts,
    ods_layouts,
    xlsb_layouts,
)
from yuecheng_housing.lib.xlsx_merges import (
    MAIN,
    fill_merged,
    merged_ranges,
    sheet_paths,
)
from yuecheng_housing.lib.xlsx_safety import (
    ENCRYPTED,
    MACROS_IGNORED,
    TRUNCATED,
    ReturnFileError,
    _has_formulas,
    check_dimensions,
    check_extent,
    check_file,
)

Cell = tuple[object, bool, str]  # value, is a formula, number format
Sheet = tuple[str, list[list[Cell]]]  # title, rows from A1
EMPTY: Cell = (None, False, "")

# What calamine would read wrongly, found in a sheet's XML ("x:" prefixes allowed).
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*\bt="e"')
_FORMULA_WITHOUT_RESULT = re.compile(
    rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_CELL_WITHOUT_REFERENCE = re.compile(rb"<(?:\w+:)?c(?:\s(?![^>]*\br=)[^>]*)?/?>")
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
# A number cell holding NaN or inf as a word: calamine reads it as a float, but
# openpyxl raises on it, which would refuse the whole file as damaged instead of
# naming the one cell. On the openpyxl path it is kept as the text it shows, which
# the number reader refuses with its row and column (1e999 reads as inf on both).
_NON_FINITE_CELL = re.compile(
    rb"<((?:\w+:)?)c(\s[^>]*)?>\s*<(?:\w+:)?v>\s*([+-]?(?:nan|inf|infinity))\s*"
    rb"</(?:\w+:)?v>\s*</(?:\w+:)?c>",
    re.IGNORECASE,
)
_CELL_TYPE = re.compile(rb'\st="[^"]*"')


@dataclass
class Workbook:
    kind: str  # "xlsx", "xlsm", "xls", "ods", "xlsb" (check_file)
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)  # said beside the result


def read_workbook(data: bytes, *, max_rows: int, max_columns: int) -> Workbook:
    """Check and read an uploaded spreadsheet of any accepted kind (see
    `read_sheets` for the limits); raise ReturnFileError saying why it cannot
    be read."""
    kind = check_file(data)
    if kind in ("xlsx", "xlsm"):
        sheets = read_sheets(data, max_rows=max_rows, max_columns=max_columns)
    else:
        sheets = _other_sheets(data, kind, max_rows, max_columns)
    return Workbook(kind, sheets, [MACROS_IGNORED] if kind == "xlsm" else [])


def _other_sheets(data: bytes, kind: str, max_rows: int, max_columns: int):
    try:
        if kind == "xls":
            compound = CompoundFile(data)
            name = "Workbook" if "Workbook" in compound.names() else "Book"
            layouts = biff_layouts(compound.stream(name))
        else:
            archive = zipfile.ZipFile(BytesIO(data))
            layouts = (ods_layouts if kind == "ods" else xlsb_layouts)(archive)
        # Before calamine opens the file: it lays out a .xls's or .ods's every
        # sheet as it opens it.
        check_dimensions(
            {
                x.title or f"第{i}个": (x.rows, x.columns, len(x.merges))
                for i, x in enumerate(layouts, 1)
                if x is not None
            },
            max_rows=max_rows,
            max_columns=max_columns,
        )
        book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        worksheet = python_calamine.SheetTypeEnum.WorkSheet
        metas = book.sheets_metadata
        if len(layouts) != len(metas):  # a .xls lists chart sheets, calamine too
            raise ValueError("sheets")
        found = [
            (meta.name, layout or Layout())
            for meta, layout in zip(metas, layouts, strict=True)
            if meta.typ == worksheet
        ]
        sheets = []
        for title, layout in found:
            sheet = book.get_sheet_by_name(title)
            # calamine's own extent, in case the file holds cells the measure
            # above did not see: refused before a Python object is made.
            end = sheet.end or (-1, -1)
            check_dimensions(
                {title: (end[0] + 1, end[1] + 1, 0)},
                max_rows=max_rows,
                max_columns=max_columns,
            )
            values = sheet.to_python(skip_empty_area=False, nrows=max_rows + 1)
            rows = _rows(values, layout.percent, layout.errors, max_columns)
            merged = sheet.merged_cell_ranges
            ranges = (
                [(c0 + 1, r0 + 1, c1 + 1, r1 + 1) for (r0, c0), (r1, c1) in merged]
                if merged is not None
                else layout.merges
            )
            fill_merged(rows, ranges)
            sheets.append((title, rows))
        book.close()
        return sheets
    except ReturnFileError:
        raise
    except (Encrypted, python_calamine.PasswordError):
        raise ReturnFileError(ENCRYPTED) from None
    except Truncated:
        raise ReturnFileError(TRUNCATED) from None
    except Exception as e:  # either reader raises many kinds for a damaged file
        raise ReturnFileError(
            f"文件已损坏：{damage(e)}。请在 Excel 或 WPS 中打开、另存后再上传。"
        ) from e


def _rows(values, formats: dict, errors: dict, max_columns: int) -> list[list[Cell]]:
    """calamine's values as cells; `formats` and `errors` by (row, column)."""
    rows = [
        [
            EMPTY
            if v == "" and (r, c) not in formats and (r, c) not in errors
            else (
                errors.get((r, c), _plain(v)),
                False,
                formats.get((r, c), ""),
            )
            for c, v in enumerate(row[:max_columns])
        ]
        for r, row in enumerate(values)
    ]
    return rows


def read_sheets(data: bytes, *, max_rows: int, max_columns: int) -> list[Sheet]:
    """Return every worksheet's rows (at most `max_columns` wide, merged ranges
    filled from their top-left cell); raise ReturnFileError past `max_rows` rows
    in the whole file or if the file cannot be read."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        paths = sheet_paths(archive)
        xml = {title: archive.read(path) for title, path in paths}
        check_extent(xml, max_rows=max_rows, max_columns=max_columns)
        fast = not any(
            _ERROR_CELL.search(x)
            or _FORMULA_WITHOUT_RESULT.search(x)
            or _CELL_WITHOUT_REFERENCE.search(x)
            for x in xml.values()
        )
        if fast:
            return _calamine_sheets(
                data, xml, _percent_styles(archive), max_rows, max_columns
            )
        return _openpyxl_sheets(
            _non_finite_as_text(data, archive, paths, xml), max_rows, max_columns
        )
    except ReturnFileError:
        raise
    except Exception as e:  # either reader raises many kinds for a damaged file
        raise ReturnFileError(
            f"文件已损坏：{damage(e)}。"
            "请在 Excel 或 WPS 中打开、另存为 .xlsx 后再上传。"
        ) from e


def _non_finite_as_text(
    data: bytes,
    archive: zipfile.ZipFile,
    paths: list[tuple[str, str]],
    xml: dict[str, bytes],
) -> bytes:
    """The file with each cell holding NaN or inf as a word rewritten as inline
    text, which openpyxl reads; `data` itself when there is none (nearly always)."""

    def as_text(match: re.Match) -> bytes:
        prefix, attributes, word = match.group(1), match.group(2) or b"", match.group(3)
        attributes = _CELL_TYPE.sub(b"", attributes)
        return (
            b"<" + prefix + b"c" + attributes + b' t="inlineStr"><' + prefix
            + b"is><" + prefix + b"t>" + word + b"</" + prefix + b"t></" + prefix
            + b"is></" + prefix + b"c>"
        )  # fmt: skip

    fixed = {
        path: _NON_FINITE_CELL.sub(as_text, xml[title])
        for title, path in paths
        if _NON_FINITE_CELL.search(xml[title])
    }
    if not fixed:
        return data
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in archive.infolist():
            out.writestr(entry, fixed.get(entry.filename) or archive.read(entry))
    return buffer.getvalue()


def damage(error: Exception) -> str:
    """Say in Chinese what part of a damaged .xlsx could not be read."""
    text = str(error)
    if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
        if "CRC" in text and (name := re.search(r"'([^']+)'", text)):
            return f"压缩包内的“{name.group(1)}”校验（CRC）不符"
        return "压缩数据不完整或校验不符"
    if isinstance(error, python_calamine.XmlError | ElementTree.ParseError):
        return "表格内部的 XML 结构不完整"
    if "shared string" in text.lower() or isinstance(error, IndexError):
        return "单元格引用了共享字符串表中不存在的文字"
    if isinstance(error, ValueError | TypeError | KeyError):
        return f"单元格或样式内容无法识别（{type(error).__name__}）"
    return f"无法读取（{type(error).__name__}）"


def _too_many(title: str, max_rows: int) -> ReturnFileError:
    return ReturnFileError(f"“{title}”表超过{max_rows}行（全文件合计），拒绝导入。")


def _calamine_sheets(
    data: bytes, xml: dict[str, bytes], percent: dict[int, str], max_rows, max_columns
) -> list[Sheet]:
    book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
    sheets, rows_read = [], 0
    worksheet = python_calamine.SheetTypeEnum.WorkSheet
    for meta in book.sheets_metadata:
        if meta.typ != worksheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        values = sheet.to_python(skip_empty_area=False, nrows=max_rows + 1 - rows_read)
        rows_read += len(values)
        if rows_read > max_rows:
            raise _too_many(meta.name, max_rows)
        formats = _percent_cells(xml.get(meta.name, b""), percent)
        # One shared tuple for every empty cell: a sheet of 50 000 rows is
        # mostly empty cells, and a tuple each was most of its memory.
        rows = _rows(values, formats, {}, max_columns)
        del values
        ranges = [
            (c0 + 1, r0 + 1, c1 + 1, r1 + 1)
            for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ()
        ]
        fill_merged(rows, ranges)
        sheets.append((meta.name, rows))
    book.close()
    return sheets


def _plain(value):
    """A cell as openpyxl gives it: None when empty, an int for a whole number."""
    if value == "":
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _percent_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """{cell style index: its number format} for the styles that show a percent."""
    if "xl/styles.xml" not in archive.namelist():
        return {}
    styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    codes = dict(BUILTIN_FORMATS)
    for fmt in styles.iter(f"{MAIN}numFmt"):
        try:
            codes[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
        except ValueError:
            continue
    found = {}
    cell_xfs = styles.find(f"{MAIN}cellXfs")
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
        try:
            code = codes.get(int(xf.get("numFmtId", "0")), "")
        except ValueError:
            continue
        if is_percent_format(code):
            found[index] = code
    return found


def _percent_cells(xml: bytes, percent: dict[int, str]) -> dict[tuple[int, int], str]:
    """{(row, column), 0-based: number format} of the cells in a percent style."""
    if not percent:
        return {}
    styled = re.compile(
        rb'<(?:\w+:)?c\s[^>]*\bs="('
        + b"|".join(str(i).encode() for i in percent)
        + rb')"[^>]*>'
    )
    found = {}
    for match in styled.finditer(xml):
        reference = _REFERENCE.search(match.group(0))
        if reference is None:
            continue
        letters, row = reference.groups()
        column = 0
        for letter in letters:
            column = column * 26 + letter - 64
        found[int(row) - 1, column - 1] = percent[int(match.group(1))]
    return found


def _openpyxl_sheets(data: bytes, max_rows: int, max_columns: int) -> list[Sheet]:
    values = load_workbook(BytesIO(data), read_only=True, data_only=True)
    # A second reading only to tell formulas apart, when the file has any.
    formulas = (
        load_workbook(BytesIO(data), read_only=True, data_only=False)
        if _has_formulas(data)
        else None
    )
    merges = merged_ranges(data)
    sheets, rows_read = [], 0
    for sheet in values.worksheets:
        rows = []
        formula_rows = (
            formulas[sheet.title].iter_rows(max_col=max_columns)
            if formulas
            else iter(())
        )
        for cells in sheet.iter_rows(max_col=max_columns):
            rows_read += 1
            if rows_read > max_rows:
                raise _too_many(sheet.title, max_rows)
            formula_cells = next(formula_rows, ())
            rows.append(
                [
                    (
                        getattr(c, "value", None),
                        getattr(f, "data_type", None) == "f",
                        getattr(c, "number_format", "") or "",
                    )
                    for c, f in zip(cells, formula_cells or cells, strict=False)
                ]
            )
        fill_merged(rows, merges.get(sheet.title, []))
        sheets.append((sheet.title, rows))
    values.close()
    if formulas:
        formulas.close()
    return sheets
