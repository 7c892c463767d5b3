"""An issued notice as a .docx in the national layout of 公文 (GB/T 9704-2012).

Printed from the notice's frozen copy only (`IssuedNotice.snapshot`), never from
live data, so the document reads the same whenever it is downloaded.

The layout: A4; 版心 156 × 225 mm, 37 mm from the top and 28 mm from the left
edge; 22 lines of 28 characters of 3号 (16 pt) 仿宋 on a document grid; 发文机关标志
in red 小标宋 over a red line; the title in 2号 小标宋; level-one headings in 黑体,
level-two in 楷体; page numbers "— 1 —" in 4号 宋体, right on odd pages and left on
even ones, one character in from the edge of the 版心; the 版记 (抄送, 印发) between
rules at the end.

Fonts are named as offices' machines have them (仿宋_GB2312, 楷体_GB2312,
方正小标宋简体), set as the East Asian font of each run (w:eastAsia) and given
their common substitutes in the font table (仿宋, 楷体, 宋体), which Word and WPS
use where the office font is missing.
"""

from io import BytesIO

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

# Raise when the layout changes: kept files of an older layout are made anew
# (documents.files).
LAYOUT_VERSION = 2

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, LEFT = Mm(37), Mm(28)
TYPE_WIDTH, TYPE_HEIGHT = Mm(156), Mm(225)  # 版心
LINES, CHARS = 22, 28
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
NOTE_SIZE = Pt(14)  # 版记: 4号
TABLE_SIZE = Pt(12)  # 小四: a table of six columns fits the 版心 only smaller
# 22 lines in 225 mm: 28.95 pt a line (579 twentieths of a point), which is the
# grid's pitch and every body line's fixed height.
LINE_PITCH_TWIPS = 579
LINE = Pt(LINE_PITCH_TWIPS / 20)
CHAR_SPACING_TWIPS = -5
RED = RGBColor(0xFF, 0x00, 0x00)
# 版记's rules in eighths of a point: thick 0.35 mm, thin 0.25 mm (GB/T 9704 7.4.1).
THICK_RULE, THIN_RULE = 8, 6

FANGSONG, KAITI, HEITI, XIAOBIAOSONG, SONGTI = (
    "仿宋_GB2312",
    "楷体_GB2312",
    "黑体",
    "方正小标宋简体",
    "宋体",
)
LATIN = "Times New Roman"
# (font, what Word and WPS use where it is missing, Windows' English name)
FONT_TABLE = [
    (FANGSONG, "仿宋", "FangSong_GB2312"),
    (KAITI, "楷体", "KaiTi_GB2312"),
    (XIAOBIAOSONG, "宋体", "FZXiaoBiaoSong-B05S"),
    (HEITI, "SimHei", "SimHei"),
    (SONGTI, "SimSun", "SimSun"),
]


def notice_docx(snapshot: dict) -> bytes:
    """Return the .docx of an issued notice, printed from its frozen copy."""
    document = Document()
    _page(document)
    _font_table(document)
    _defaults(document)
    body = document.paragraphs[0] if document.paragraphs else None
    if body is not None:
        body._element.getparent().remove(body._element)

    head = snapshot["letterhead"]
    _masthead(document, head["masthead"])
    # A 通报 is laid out as a 简报: the 期号 centred under the 标志, then the
    # 印发机关 left and the date right on one line, the red line 4 mm under it.
    _run(
        _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER),
        snapshot["label"],
    )
    _issuer_and_date(document, head["issuer"], snapshot["issued_on_label"])
    # The title two lines under the red line (GB/T 9704 7.3.1).
    _paragraph(document, indent=False)
    _paragraph(document, indent=False)

    title = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _off_grid(title, Pt(36))
    _run(title, snapshot["title"], font=XIAOBIAOSONG, size=TITLE_SIZE)
    _paragraph(document, indent=False)

    if snapshot.get("instruction"):
        _run(_paragraph(document, indent=False), "领导批示：", font=HEITI)
        for line in _lines(snapshot["instruction"]):
            _run(_paragraph(document), line, font=KAITI)
    _run(_paragraph(document, indent=False), f"{head['recipients']}：")
    if snapshot.get("foreword"):
        lines = _lines(snapshot["foreword"])
        for index, line in enumerate(lines):
            p = _paragraph(document)
            if index == 0:
                _run(p, "按：", font=HEITI)
            _run(p, line, font=KAITI)

    for block in snapshot["blocks"]:
        kind = block["type"]
        if kind == "h1":
            _run(_paragraph(document), block["text"], font=HEITI)
        elif kind == "h2":
            _run(_paragraph(document), block["text"], font=KAITI)
        elif kind == "table":
            _table(document, block["headers"], block["rows"])
        else:
            _run(_paragraph(document), block["text"])

    _paragraph(document, indent=False)
    for text in (head["signature"], snapshot["issued_on_label"]):
        p = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = BODY_SIZE * 2
        _run(p, text)

    _colophon(document, head, snapshot["issued_on_label"])
    _page_numbers(document)
    document.core_properties.title = snapshot["title"]
    document.core_properties.author = head["issuer"]
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _page(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.left_margin = TOP, LEFT
    section.right_margin = PAGE_WIDTH - LEFT - TYPE_WIDTH
    section.bottom_margin = PAGE_HEIGHT - TOP - TYPE_HEIGHT
    # The page number's line sits 7 mm below the 版心 (GB/T 9704 7.5).
    section.footer_distance = section.bottom_margin - Mm(7) - PAGE_NUMBER_SIZE
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # A line grid only: LibreOffice sets a character grid's cells from the
    # font's full width, so 28 characters of 16 pt would not fit its 156 mm
    # (WPS and Word agree); the 28 come from the characters' spacing instead.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


def _font_table(document) -> None:
    part = next(
        p
        for p in document.part.package.iter_parts()
        if p.partname.endswith("/fontTable.xml")
    )
    root = etree.fromstring(part.blob)
    for name, alternative, english in FONT_TABLE:
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt = etree.SubElement(font, qn("w:altName"))
        alt.set(qn("w:val"), alternative if name != HEITI else english)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name != XIAOBIAOSONG else "script")
    part._blob = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )


def _set_fonts(rpr_owner, east_asian: str, latin: str = LATIN) -> None:
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _defaults(document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.font.name = LATIN
    _set_fonts(normal.element, FANGSONG)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.widow_control = False
    # The grid's character pitch is reckoned from the document's default size
    # (Word and LibreOffice alike): 3号, the body's.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    size = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    size.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
    rpr = normal.element.get_or_add_rPr()
    # 28 characters a line: 156 mm is 442 pt, 28 × 16 pt is 448, so each
    # character is set 0.25 pt closer (in twentieths of a point).
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    rpr.append(spacing)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def _paragraph(document, *, indent: bool = True, align=None) -> Paragraph:
    p = document.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        # Two characters in, as every body paragraph of a 公文 (and in characters,
        # so that it stays two whatever the grid's pitch).
        ind = p._p.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), "200")
        fmt.first_line_indent = BODY_SIZE * 2
    return p


def _run(p: Paragraph, text: str, *, font: str = FANGSONG, size=None, color=None):
    # Text is added as text: python-docx escapes it, so "<b>" or "=1+1" print as
    # typed; characters XML cannot hold are removed by the form before it gets here.
    run = p.add_run(text)
    _set_fonts(run._r, font)
    if size is not None:
        run.font.size = size
    if color is not None:
        run.font.color.rgb = color
    return run


def _width(text: str) -> float:
    """Width in full-width characters (a digit or Latin letter is half)."""
    return sum(1 if ord(c) < 128 else 2 for c in text) / 2


def _masthead(document, text: str) -> None:
    # As large as fits one line of the 版心, at most 初号 (42 pt).
    size = Pt(min(42, int(TYPE_WIDTH.pt / max(_width(text), 1))))
    p = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_after = Pt(size.pt * 0.3)
    _off_grid(p, Pt(size.pt * 1.3))
    _run(p, text, font=XIAOBIAOSONG, size=size, color=RED)


def _off_grid(p: Paragraph, line) -> None:
    """Lines larger than the body's, spaced by themselves and not by the grid
    (on it, a 2号 line would take two of the body's)."""
    p.paragraph_format.line_spacing = line
    ppr = p._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    # snapToGrid comes before spacing, ind and jc in a pPr.
    anchor = next(
        (
            e
            for t in ("w:spacing", "w:ind", "w:jc")
            if (e := ppr.find(qn(t))) is not None
        ),
        None,
    )
    if anchor is not None:
        anchor.addprevious(snap)
    else:
        ppr.append(snap)


def _border(p: Paragraph, edge: str, *, size_eighths: int, color: str, space: int = 1):
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes before spacing, ind and jc in a pPr.
        anchor = next(
            (
                ppr.find(qn(t))
                for t in ("w:tabs", "w:spacing", "w:ind", "w:jc")
                if ppr.find(qn(t)) is not None
            ),
            None,
        )
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            ppr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space))
    line.set(qn("w:color"), color)
    borders.append(line)


def _red_line(p: Paragraph) -> None:
    """The red separator, as wide as the 版心, under the 期号 (LibreOffice drops a
    border further from the text than the fixed line height leaves room for)."""
    _border(p, "bottom", size_eighths=12, color="FF0000", space=3)


def _table(document, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(TYPE_WIDTH.twips))
    widths = _column_widths(headers, rows)
    for cells in [headers, *rows]:
        row = table.rows[0] if cells is headers else table.add_row()
        for index, (cell, value) in enumerate(zip(row.cells, cells, strict=True)):
            cell.width = widths[index]
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.paragraph_format.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if cells is headers else None
            )
            _run(
                p,
                str(value),
                font=HEITI if cells is headers else FANGSONG,
                size=TABLE_SIZE,
            )
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(w.twips))


def _column_widths(headers: list[str], rows: list[list[str]]) -> list:
    """Widths that add up to the 版心: each column by its longest text, within
    2 to 14 characters, so a long item text wraps and a number does not."""
    weights = [
        min(14, max(2, len(str(h)), *(len(str(r[i])) for r in rows)))
        for i, h in enumerate(headers)
    ]
    total = sum(weights)
    widths = [int(TYPE_WIDTH * w / total) for w in weights]
    widths[-1] += TYPE_WIDTH - sum(widths)
    return [Emu(w) for w in widths]


def _colophon(document, head: dict, issued_on_label: str) -> None:
    """版记 at the foot of the last page (GB/T 9704 7.4): 抄送 and 印发 in 4号,
    one character in from each side, between rules as wide as the 版心, thick
    above and below and thin between, the last one on the 版心's bottom edge.

    A table floated to the bottom of the 版心 (tblpYSpec): Word, WPS and
    LibreOffice keep it there wherever the body ends, and move it to a new page
    with the last lines of the body where it would not fit under them.
    """
    table = document.add_table(rows=2, cols=1)
    tbl_pr = table._tbl.tblPr
    for child in list(tbl_pr):
        if child.tag != qn("w:tblStyle"):
            tbl_pr.remove(child)
    position = OxmlElement("w:tblpPr")
    for name, value in (
        ("leftFromText", 0),
        ("rightFromText", 0),
        # At least a line of the body's between its last line and the first rule.
        ("topFromText", LINE_PITCH_TWIPS),
        ("bottomFromText", 0),
        ("vertAnchor", "margin"),
        # Placed from the page's edge, not the margin's: LibreOffice (before 7.6)
        # sets a table as wide as the text area inline, where it happens to end,
        # unless it is placed from the page.
        ("horzAnchor", "page"),
        ("tblpX", LEFT.twips),
        ("tblpYSpec", "bottom"),
    ):
        position.set(qn(f"w:{name}"), str(value))
    overlap = OxmlElement("w:tblOverlap")
    overlap.set(qn("w:val"), "never")
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(TYPE_WIDTH.twips))
    width.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for edge, eighths in (
        ("top", THICK_RULE),
        ("left", 0),
        ("bottom", THICK_RULE),
        ("right", 0),
        ("insideH", THIN_RULE),
        ("insideV", 0),
    ):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single" if eighths else "nil")
        if eighths:
            line.set(qn("w:sz"), str(eighths))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
        borders.append(line)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    # The rules run the 版心's full width; the text's one character in comes
    # from the paragraphs' indents, not from the cells' margins.
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    for element in (position, overlap, width, borders, layout, margins):
        tbl_pr.append(element)
    grid = table._tbl.tblGrid.find(qn("w:gridCol"))
    grid.set(qn("w:w"), str(TYPE_WIDTH.twips))
    copies_cell, printed_cell = (row.cells[0] for row in table.rows)
    for cell in (copies_cell, printed_cell):
        cell.width = TYPE_WIDTH

    copies = copies_cell.paragraphs[0]
    label = "抄送："
    fmt = copies.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # A second line lines up with the first name, after the colon.
    fmt.left_indent = Pt(NOTE_SIZE.pt * (1 + _width(label)))
    fmt.first_line_indent = Pt(-NOTE_SIZE.pt * _width(label))
    fmt.right_indent = NOTE_SIZE
    _run(copies, f"{label}{head['copies']}。", size=NOTE_SIZE)

    printed = printed_cell.paragraphs[0]
    fmt = printed.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    fmt.left_indent = fmt.right_indent = NOTE_SIZE
    fmt.tab_stops.add_tab_stop(TYPE_WIDTH - NOTE_SIZE, WD_TAB_ALIGNMENT.RIGHT)
    date = f"{issued_on_label}印发"
    run = _run(printed, head["issuer"], size=NOTE_SIZE)
    if not _fits_apart(head["issuer"], date, size=NOTE_SIZE, inset=NOTE_SIZE):
        run.add_break()
    _run(printed, f"\t{date}", size=NOTE_SIZE)

    # A document ends with a paragraph (Word adds one otherwise), which the
    # floating table hangs from: a point high, so it never makes a page of its own.
    anchor = _paragraph(document, indent=False)
    _off_grid(anchor, Pt(1))
    _run(anchor, "", size=Pt(1))


def _fits_apart(left: str, right: str, *, size, inset) -> bool:
    """Whether `left` and `right` fit on one line of the 版心 in `size`, `inset`
    in from each side and at least a character apart."""
    room = (TYPE_WIDTH.pt - 2 * inset.pt) / size.pt
    return _width(left) + _width(right) + 1 <= room


def _issuer_and_date(document, issuer: str, issued_on_label: str) -> None:
    """The 简报's line above the red line: the 印发机关 left, the date right, one
    character in from each side, in 3号 where both fit and smaller where not."""
    size = next(
        (
            Pt(pt)
            for pt in (16, 15, 14, 12)
            if _fits_apart(issuer, issued_on_label, size=Pt(pt), inset=Pt(pt))
        ),
        Pt(12),
    )
    p = _paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    # One character in by tab stops, not indents: the red line under it runs
    # between the paragraph's indents and must be as wide as the 版心. Tab stops
    # are measured from the margin.
    stops = p.paragraph_format.tab_stops
    stops.add_tab_stop(size, WD_TAB_ALIGNMENT.LEFT)
    stops.add_tab_stop(TYPE_WIDTH - size, WD_TAB_ALIGNMENT.RIGHT)
    run = _run(p, f"\t{issuer}", size=size)
    if not _fits_apart(issuer, issued_on_label, size=size, inset=size):
        run.add_break()
    _run(p, f"\t{issued_on_label}", size=size)
    _red_line(p)


def _page_numbers(document) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        fmt = p.paragraph_format
        fmt.alignment = align
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        # 单页码居右空一字，双页码居左空一字.
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = PAGE_NUMBER_SIZE
        else:
            fmt.left_indent = PAGE_NUMBER_SIZE
        _number_runs(p)


def _number_runs(p: Paragraph) -> None:
    def run(text: str = ""):
        r = _run(p, text, font=SONGTI, size=PAGE_NUMBER_SIZE)
        _set_fonts(r._r, SONGTI, latin=SONGTI)
        return r

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None)):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        else:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instruction
            r._r.append(text)
    run("1")
    end = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    run(" —")
