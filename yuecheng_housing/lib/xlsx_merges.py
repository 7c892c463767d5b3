"""Merged cells of an .xlsx, read from its XML: openpyxl's fast read-only mode
does not report them, and a return whose 填报单位 and 期间 are merged down the sheet
(as Excel users do) holds its value only in the top cell of each range."""

import zipfile
from io import BytesIO
from posixpath import dirname, join, normpath

from defusedxml import ElementTree
from openpyxl.utils import range_boundaries

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Range = tuple[int, int, int, int]  # min column, min row, max column, max row


def sheet_paths(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(title, path in the archive) of each sheet, in workbook order."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return []
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        r.get("Id"): r.get("Target", "")
        for r in rels.iter(f"{PACKAGE_REL}Relationship")
    }
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    found = []
    for sheet in book.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else normpath(join(dirname("xl/workbook.xml"), target))
        )
        if path in names:
            found.append((sheet.get("name"), path))
    return found


def merged_ranges(data: bytes) -> dict[str, list[Range]]:
    """Return {sheet title: merged ranges} of a workbook already checked to be a
    plain .xlsx (`xlsx_safety.check_file`)."""
    archive = zipfile.ZipFile(BytesIO(data))
    found = {}
    for title, path in sheet_paths(archive):
        ranges = []
        # Streamed: a sheet's XML can be large; only its mergeCell elements matter.
        with archive.open(path) as xml:
            for _, element in ElementTree.iterparse(xml):
                if element.tag == f"{MAIN}mergeCell":
                    try:
                        ranges.append(range_boundaries(element.get("ref", "")))
                    except (TypeError, ValueError):
                        pass
                element.clear()
        if ranges:
            found[title] = ranges
    return found


def fill_merged(rows: list[list], ranges: list[Range]) -> None:
    """Give every cell of a merged range its top-left cell's content, in place
    (rows of cells, 1-based ranges as openpyxl gives them)."""
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(rows) or min_col > len(rows[min_row - 1]):
            continue
        anchor = rows[min_row - 1][min_col - 1]
        for r in range(min_row, min(max_row, len(rows)) + 1):
            row = rows[r - 1]
            for c in range(min_col, min(max_col, len(row)) + 1):
                if (r, c) != (min_row, min_col):
                    row[c - 1] = anchor
