"""The plan's full text as issued (fixtures/plan_text.txt), cut into passages.

The file is a byte copy of the seed (a test compares them), so 方案原文 shows the
plan's own words, not a retyping. Parsing is pure and cached: headings, paragraphs
and tables, each with an anchor that the indicator pages, the work list and the
inconsistencies page link to ("text-indicator-4", "text-task-9",
"text-worklist-2023-6"). A paragraph that a page break cut in two ("…累计建设筹集保"
/ "障性租赁住房…") is joined again, as docs/domain.md asks.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

PLAN_TEXT_PATH = settings.BASE_DIR / "fixtures" / "plan_text.txt"

# A line ending in one of these ends its paragraph; a long line ending otherwise
# was cut by a page break.
_CLOSERS = "。；：！？）」”》.;:)"
_BROKEN_MIN_LENGTH = 25
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    anchor: str = ""  # a work-list item: "text-worklist-2023-1-2"


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    header: bool = False
    anchor: str = ""  # "text-indicator-4", "text-worklist-2023-6"


@dataclass(frozen=True)
class Passage:
    anchor: str
    kind: str  # issuer, title, heading, caption, paragraph, table
    text: str  # the words; a table's cells joined by spaces, for search
    rows: tuple[Row, ...] = ()
    part: str = ""  # the 一、… heading or 附件 it sits under
    contents: str = ""  # its line in the table of contents, if it has one

    @property
    def is_heading(self) -> bool:
        return self.kind in {"heading", "caption"}


@dataclass(frozen=True)
class PlanDocument:
    passages: tuple[Passage, ...]
    anchors: frozenset[str] = field(default=frozenset())

    def contents(self) -> list[Passage]:
        """Return the passages that the table of contents lists, in order."""
        return [p for p in self.passages if p.contents]


def plan_document(path: Path = PLAN_TEXT_PATH) -> PlanDocument:
    """Return the plan's text as passages (read once per process)."""
    return _parse(path.read_text(encoding="utf-8"))


@cache
def _parse(text: str) -> PlanDocument:
    passages: list[Passage] = []
    part = ""
    counter = 0
    for chunk in _chunks(text.splitlines()):
        counter += 1
        if isinstance(chunk, list):
            anchor, rows = _table(chunk, part)
            words = " ".join(c.text for r in rows for c in r.cells if c.text)
            passages.append(
                Passage(anchor or f"text-{counter}", "table", words, rows, part)
            )
            continue
        kind, anchor, contents = _classify(chunk, len(passages), part)
        if _part_number(chunk) or re.fullmatch(r"附件\s*\d", chunk):
            part = chunk.replace(" ", "") if chunk.startswith("附件") else chunk
        passages.append(
            Passage(anchor or f"text-{counter}", kind, chunk, (), part, contents)
        )
    anchors = frozenset(
        [p.anchor for p in passages]
        + [r.anchor for p in passages for r in p.rows if r.anchor]
        + [c.anchor for p in passages for r in p.rows for c in r.cells if c.anchor]
    )
    return PlanDocument(tuple(passages), anchors)


def _chunks(lines: list[str]) -> list[str | list[str]]:
    """Group lines: consecutive tab lines make a table; prose cut by a page
    break is joined to its continuation."""
    chunks: list[str | list[str]] = []
    table: list[str] = []
    open_prose = False
    for line in lines:
        if "\t" in line:
            table.append(line)
            continue
        if table:
            chunks.append(table)
            table, open_prose = [], False
        if not line.strip():
            continue
        if open_prose and not _starts_structure(line):
            chunks[-1] += line
        else:
            chunks.append(line)
        open_prose = _is_cut(chunks[-1], len(chunks))
    if table:
        chunks.append(table)
    return chunks


def _is_cut(text: str, position: int) -> bool:
    # The first two lines are the issuing office and the title: never cut.
    return (
        position > 2
        and len(text) >= _BROKEN_MIN_LENGTH
        and not text.rstrip().endswith(tuple(_CLOSERS))
        and not _part_number(text)
    )


def _starts_structure(line: str) -> bool:
    return bool(
        _part_number(line)
        or _section_number(line)
        or re.match(r"^(\d+\. |附件|表：)", line)
    )


def _part_number(text: str) -> int:
    match = re.match(rf"^([{_NUMERALS}])、", text)
    return _NUMERALS.index(match.group(1)) + 1 if match else 0


def _section_number(text: str) -> int:
    match = re.match(rf"^（([{_NUMERALS}])）", text)
    return _NUMERALS.index(match.group(1)) + 1 if match else 0


def _classify(text: str, index: int, part: str) -> tuple[str, str, str]:
    """Return (kind, anchor, contents line) of a prose passage."""
    if index == 0:
        return "issuer", "text-issuer", ""
    if index == 1:
        return "title", "text-title", ""
    if number := _part_number(text):
        return "heading", f"text-part-{number}", text
    if text.startswith("表："):
        return "caption", "text-table-goals", text
    if annex := re.fullmatch(r"附件\s*(\d)", text):
        return "caption", f"text-annex-{annex.group(1)}", text.replace(" ", "")
    section = _section_number(text)
    if part.startswith("二、") and section:
        return "paragraph", f"text-goals-{section}", ""
    if part.startswith("三、") and section:
        return "paragraph", f"text-tasks-section-{section}", text.split("。")[0]
    if part.startswith("三、") and (task := re.match(r"^(\d+)\. ", text)):
        return "paragraph", f"text-task-{task.group(1)}", text.split("。")[0]
    if part.startswith("四、") and section:
        return "paragraph", f"text-measures-{section}", ""
    if part.startswith("附件") and not re.search(r"[。、]", text):
        return "heading", f"text-annex-{part[-1]}-title", ""  # an annex's title
    return "paragraph", "", ""


def _table(lines: list[str], part: str) -> tuple[str, tuple[Row, ...]]:
    """Return the table's anchor and rows, empty cells merged as on paper: a gap
    under a cell extends it down, trailing gaps extend the last cell across."""
    grid = [line.split("\t") for line in lines]
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    work_list = part.startswith("附件2")
    seq_column = 0 if work_list else 1
    year = 2023  # 附件2 is the 2023 work list; its title says so
    owners: dict[tuple[int, int], dict] = {}
    built: list[tuple[list[dict], bool, str]] = []
    seen_data = False
    entry, item = 0, 0
    for r, row in enumerate(grid):
        seq = row[seq_column].strip()
        seen_data = seen_data or seq.isdigit()
        last = max((c for c, t in enumerate(row) if t.strip()), default=-1)
        cells: list[dict] = []
        for c, text in enumerate(row):
            if text.strip():
                cell = {"text": text.strip(), "rowspan": 1, "colspan": 1}
                cells.append(cell)
            elif c > last and cells:
                cell = cells[-1]
                cell["colspan"] += 1
            elif (above := owners.get((r - 1, c))) and above["colspan"] == 1:
                cell = above
                cell["rowspan"] += 1
            else:
                cell = {"text": "", "rowspan": 1, "colspan": 1}
                cells.append(cell)
            owners[(r, c)] = cell
        anchor = ""
        if seen_data and work_list:
            if seq.isdigit():
                entry, item = int(seq), 0
                anchor = f"text-worklist-{year}-{entry}"
            item += 1
            cells[-2]["anchor"] = f"text-worklist-{year}-{entry}-{item}"
        elif seq.isdigit():
            anchor = f"text-indicator-{seq}"
        built.append((cells, not seen_data, anchor))
    rows = tuple(
        Row(tuple(Cell(**c) for c in cells), header, anchor)
        for cells, header, anchor in built
    )
    return "", rows
