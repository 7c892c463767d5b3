"""The issued notice's .docx measured against GB/T 9704-2012, and its PDF as
LibreOffice lays it out."""

import io
import json
import os
import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dashboard.services import notice_issue
from documents.docx import notice_docx
from documents.pdf import docx_to_pdf

MM = Mm(1)
# Writer, not only the soffice that Calc brings (Debian's path).
WRITER = shutil.which("soffice") and os.path.exists(
    "/usr/lib/libreoffice/program/libswlo.so"
)
needs_libreoffice = pytest.mark.skipif(
    not WRITER and not os.getenv("REQUIRE_LIBREOFFICE"),
    reason="apt-get install libreoffice-writer-nogui",
)


@pytest.fixture
def issued(plan, admin_user):
    return notice_issue(
        period=date(2026, 10, 1),
        user=admin_user,
        foreword="请各单位对照问题清单抓紧整改。",
        instruction="=请各单位高度重视+",
    )


@pytest.fixture
def long_snapshot(issued):
    """The issued copy with enough body text for several full pages."""
    snapshot = dict(issued.snapshot)
    snapshot["blocks"] = [
        *snapshot["blocks"],
        *({"type": "p", "text": "各责任单位要压实责任，" * 30} for _ in range(12)),
    ]
    return snapshot


def _document(snapshot: dict):
    return Document(io.BytesIO(notice_docx(snapshot)))


@pytest.mark.django_db
def test_the_page_is_a4_with_the_standard_type_area(issued):
    section = _document(issued.snapshot).sections[0]
    assert abs(section.page_width - Mm(210)) < MM
    assert abs(section.page_height - Mm(297)) < MM
    assert abs(section.top_margin - Mm(37)) < MM
    assert abs(section.left_margin - Mm(28)) < MM
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    assert abs(width - Mm(156)) < MM and abs(height - Mm(225)) < MM


@pytest.mark.django_db
def test_a_full_page_holds_22_lines_of_28_characters(issued):
    document = _document(issued.snapshot)
    section = document.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = Pt(int(grid.get(qn("w:linePitch"))) / 20)
    normal = document.styles["Normal"]
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing == pitch
    assert abs(pitch.pt - 28.95) < 0.05
    height = section.page_height - section.top_margin - section.bottom_margin
    assert int(height / pitch) == 22
    # 3号 characters, set closer by the style's spacing: 28 fit the 版心, 29 not.
    spacing = normal.element.rPr.find(qn("w:spacing"))
    char = Pt(16 + int(spacing.get(qn("w:val"))) / 20)
    width = section.page_width - section.left_margin - section.right_margin
    assert 28 * char <= width < 29 * char
    assert normal.font.size == Pt(16)
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


@pytest.mark.django_db
def test_masthead_title_headings_page_numbers_and_colophon(issued):
    document = _document(issued.snapshot)
    masthead, number, issuer = document.paragraphs[:3]
    run = masthead.runs[0]
    assert run.text == issued.snapshot["letterhead"]["masthead"]
    assert str(run.font.color.rgb) == "FF0000"
    assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    # A 简报's head: the 期号 centred under the 标志, then the 印发机关 left and
    # the date right on one line, with the red line under that line.
    assert number.text == "2026年第1期"
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    head = issued.snapshot["letterhead"]
    assert issuer.text == f"\t{head['issuer']}\t2026年11月16日"
    # One character in from each side (tab stops are measured from the margin).
    size = issuer.runs[0].font.size
    left, right = issuer.paragraph_format.tab_stops
    assert left.alignment == WD_TAB_ALIGNMENT.LEFT and abs(left.position - size) < MM
    assert right.alignment == WD_TAB_ALIGNMENT.RIGHT
    assert abs(right.position - (Mm(156) - size)) < MM
    red_line = issuer._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert red_line.get(qn("w:color")) == "FF0000"
    # The line runs between the paragraph's indents: none, so the 版心's width.
    assert not issuer.paragraph_format.left_indent
    assert not issuer.paragraph_format.right_indent
    title = next(p for p in document.paragraphs if p.text == issued.snapshot["title"])
    assert title.runs[0].font.size == Pt(22)
    fonts = {
        p.text: p.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia"))
        for p in document.paragraphs
        if p.runs
    }
    assert next(v for k, v in fonts.items() if k.startswith("一、逾期")) == "黑体"
    assert next(v for k, v in fonts.items() if k.startswith("（一）")) == "楷体_GB2312"
    # Page numbers "— 1 —" in 4号, right on odd pages and left on even ones.
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        assert (
            p.alignment == align and p.text.startswith("— ") and p.text.endswith(" —")
        )
        assert "PAGE" in p._p.xml and {r.font.size for r in p.runs} == {Pt(14)}
    # Fallbacks for machines without the office fonts.
    table = [
        p
        for p in document.part.package.iter_parts()
        if p.partname.endswith("fontTable.xml")
    ][0].blob.decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in table
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in table


@pytest.mark.django_db
def test_the_colophon_is_floated_to_the_foot_of_the_type_area(issued):
    document = _document(issued.snapshot)
    colophon = document.tables[-1]
    assert [c.text for c in colophon.columns[0].cells] == [
        f"抄送：{issued.snapshot['letterhead']['copies']}。",
        f"{issued.snapshot['letterhead']['issuer']}\n\t2026年11月16日印发",
    ]
    pr = colophon._tbl.tblPr
    position = pr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin"
    assert position.get(qn("w:tblpYSpec")) == "bottom"
    assert int(position.get(qn("w:tblpX"))) == Mm(28).twips
    assert int(pr.find(qn("w:tblW")).get(qn("w:w"))) == Mm(156).twips
    rules = {
        edge.tag.split("}")[1]: edge.get(qn("w:sz"))
        for edge in pr.find(qn("w:tblBorders"))
    }
    # Thick (0.35 mm) rules above and below, a thin one (0.25 mm) between.
    assert rules == {
        "top": "8", "left": None, "bottom": "8", "right": None,
        "insideH": "6", "insideV": None,
    }  # fmt: skip
    # The body ends with the point-high paragraph the table hangs from.
    assert document.paragraphs[-1].text == ""
    assert document.element.body[-2].tag == qn("w:p")


@pytest.mark.django_db
def test_every_sentence_and_figure_in_the_document_is_the_issued_copy(issued):
    document = _document(issued.snapshot)
    body = document.element.body
    printed = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text:
                printed.append(text)
        elif child.tag == qn("w:tbl"):
            printed.append(
                [
                    [
                        "".join(t.text for t in cell.iter(qn("w:t")))
                        for cell in row.iter(qn("w:tc"))
                    ]
                    for row in child.iter(qn("w:tr"))
                ]
            )
    expected = []
    for block in issued.snapshot["blocks"]:
        if block["type"] == "table":
            expected.append([block["headers"], *block["rows"]])
        else:
            expected.append(block["text"])
    start = printed.index(expected[0])
    assert printed[start : start + len(expected)] == expected
    assert "=请各单位高度重视+" in printed  # the 批示 as typed
    # Every figure of the copy is printed as it was issued.
    text = "\n".join(str(x) for x in printed)
    for figure in issued.snapshot["figures"].values():
        if "，" not in figure["value"]:
            assert figure["value"] in text


def _media_boxes(pdf: bytes) -> list[list[float]]:
    return [
        [float(x) for x in box.split()]
        for box in re.findall(rb"/MediaBox\s*\[\s*([-\d.\s]+?)\s*\]", pdf)
    ]


@needs_libreoffice
@pytest.mark.django_db
def test_libreoffice_lays_it_out_on_a4_with_22_lines_a_full_page(long_snapshot):
    pdf = docx_to_pdf(notice_docx(long_snapshot))
    assert pdf is not None and pdf.startswith(b"%PDF")
    boxes = _media_boxes(pdf)
    assert len(boxes) >= 3
    mm = 72 / 25.4
    for x0, y0, x1, y1 in boxes:
        assert abs((x1 - x0) - 210 * mm) < mm and abs((y1 - y0) - 297 * mm) < mm
    if shutil.which("pdftotext"):
        # A full page (the long paragraphs at the end fill several): 22 lines,
        # the first 37 mm from the top edge. Latin and Chinese glyphs of one
        # line start a point apart: a line is a cluster of tops.
        out = subprocess.run(
            ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        lines = []
        for page in out.split("<page ")[1:]:
            tops = sorted(float(y) for y in re.findall(r'yMin="([\d.]+)"', page))
            starts = [y for i, y in enumerate(tops) if i == 0 or y - tops[i - 1] > 5]
            lines.append([y for y in starts if y < (37 + 225) * mm])
        assert max(len(page) for page in lines) == 22
        full = next(page for page in lines if len(page) == 22)
        assert 37 * mm <= full[0] < 37 * mm + 28.95
        # Every line of a full page 28.95 pt below the one before.
        assert all(
            abs(b - a - 28.95) < 0.2 for a, b in zip(full, full[1:], strict=False)
        )


# Positions in the PDF, measured on page images rendered by pdftoppm (poppler,
# beside pdftotext): 254 dpi is a tenth of a millimetre a pixel.
PX_PER_MM = 10
RED, BLACK = b"\xff\x00\x00", b"\x00\x00\x00"
TYPE_TOP, TYPE_BOTTOM, TYPE_LEFT, TYPE_RIGHT = 37, 37 + 225, 28, 28 + 156
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftoppm"), reason="apt-get install poppler-utils"
)
_pdfs: dict[str, bytes] = {}


def _pdf(snapshot: dict) -> bytes:
    """The snapshot's PDF, converted once for the tests that measure it."""
    key = json.dumps(snapshot, sort_keys=True)
    if key not in _pdfs:
        _pdfs[key] = docx_to_pdf(notice_docx(snapshot))
    return _pdfs[key]


def _page_rows(pdf: bytes, page: int) -> list[bytes]:
    """The page's pixel rows (RGB, no anti-aliasing: a red line is pure red)."""
    image = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "254", "-aa",
         "no", "-aaVector", "no", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout  # fmt: skip
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", image)
    width, height = int(header[1]), int(header[2])
    pixels = image[header.end() :]
    return [pixels[y * width * 3 : (y + 1) * width * 3] for y in range(height)]


def _rules(rows: list[bytes], colour: bytes) -> list[tuple[float, float, float]]:
    """Each horizontal rule at least 150 mm long in `colour`, as (its middle from
    the top edge, its left and right ends), in millimetres."""
    run = colour * (150 * PX_PER_MM)
    found: list[list[int]] = []
    for y, row in enumerate(rows):
        if run in row:
            if found and found[-1][-1] == y - 1:
                found[-1].append(y)
            else:
                found.append([y])
    rules = []
    for ys in found:
        row = rows[ys[0]]
        start = row.find(run) // 3
        end = start + len(row[start * 3 :]) // 3
        while row[(end - 1) * 3 : end * 3] != colour:
            end -= 1
        middle = (ys[0] + ys[-1] + 1) / 2
        rules.append((middle / PX_PER_MM, start / PX_PER_MM, end / PX_PER_MM))
    return rules


def _lines(pdf: bytes, page: int) -> list[tuple[float, float, float, float, str]]:
    """The page's lines of text as (left, top, right, bottom in mm, text), top
    down: pdftotext's words, joined where their bottoms agree within 1 mm."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", "-", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    mm = 72 / 25.4
    words = sorted(
        (float(y1) / mm, float(x0) / mm, float(y0) / mm, float(x1) / mm, text)
        for x0, y0, x1, y1, text in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
            r"([^<]*)<",
            out,
        )
    )
    lines: list[list] = []
    for bottom, left, top, right, text in words:
        if lines and bottom - lines[-1][0][0] < 1:
            lines[-1].append((bottom, left, top, right, text))
        else:
            lines.append([(bottom, left, top, right, text)])
    return [
        (
            min(w[1] for w in line),
            min(w[2] for w in line),
            max(w[3] for w in line),
            max(w[0] for w in line),
            "".join(w[4] for w in sorted(line, key=lambda w: w[1])),
        )
        for line in lines
    ]


@needs_libreoffice
@needs_poppler
@pytest.mark.django_db
def test_the_red_line_is_4_mm_under_the_head_and_as_wide_as_the_type_area(issued):
    pdf = _pdf(issued.snapshot)
    rows = _page_rows(pdf, 1)
    (line,) = _rules(rows, RED)
    middle, left, right = line
    # As wide as the 版心 (156 mm, from 28 mm), within a millimetre.
    assert abs(left - TYPE_LEFT) < 1 and abs(right - TYPE_RIGHT) < 1
    # 4 mm under the head's last line (GB/T 9704 7.2.6), from the bottom of its
    # ink to the middle of the line, within a millimetre.
    ink = max(
        y
        for y in range(int((middle - 2) * PX_PER_MM))
        if rows[y].strip(b"\xff") and RED * 20 not in rows[y]
    )
    assert abs(middle - (ink + 1) / PX_PER_MM - 4) < 1
    # That last line is the 印发机关 (left) and the date (right), one character
    # in from each side; the 期号 is centred above it, under the 标志.
    head = issued.snapshot["letterhead"]
    lines = [text for text in _lines(pdf, 1) if text[1] < middle]
    masthead, number, above = lines
    assert masthead[4] == head["masthead"]
    centre = (TYPE_LEFT + TYPE_RIGHT) / 2
    assert number[4] == "2026年第1期"
    assert abs((number[0] + number[2]) / 2 - centre) < 1
    assert above[4] == f"{head['issuer']}2026年11月16日"
    assert TYPE_LEFT + 3 < above[0] < TYPE_LEFT + 7
    assert TYPE_RIGHT - 7 < above[2] < TYPE_RIGHT - 3


@needs_libreoffice
@needs_poppler
@pytest.mark.django_db
def test_the_colophon_sits_at_the_foot_of_the_last_page(issued):
    pdf = _pdf(issued.snapshot)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pages > 1
    rules = _rules(_page_rows(pdf, pages), BLACK)
    # Three rules as wide as the 版心: above 抄送, between, under 印发.
    assert len(rules) == 3
    for _, left, right in rules:
        assert abs(left - TYPE_LEFT) < 1 and abs(right - TYPE_RIGHT) < 1
    # The last one on the 版心's bottom edge (GB/T 9704 7.4.1), within a millimetre.
    assert abs(rules[-1][0] - TYPE_BOTTOM) < 1
    lines = _lines(pdf, pages)
    between = [line for line in lines if rules[0][0] < line[1] < rules[-1][0]]
    copies = [line for line in between if line[3] < rules[1][0]]
    printed = [line for line in between if line[1] > rules[1][0]]
    assert copies[0][4].startswith("抄送：") and len(copies) + len(printed) == len(
        between
    )
    assert printed[-1][4] == "2026年11月16日印发"
    assert TYPE_RIGHT - 7 < printed[-1][2] < TYPE_RIGHT - 3  # one character in
    # The body ends above the 版记: its date is the last line before the rules,
    # on the last page or, where the body left no room there, on the one before
    # (the 版记 then stands alone at the foot of a page of its own).
    body = [line for line in lines if line[3] < rules[0][0]] or [
        line
        for line in _lines(pdf, pages - 1)
        if not re.fullmatch(r"—\s*\d+\s*—", line[4])  # the page number
    ]
    assert body[-1][4] == issued.snapshot["issued_on_label"]
