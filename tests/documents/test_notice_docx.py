"""The issued notice's .docx measured against GB/T 9704-2012, and its PDF as
LibreOffice lays it out."""

import io
import os
import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
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
    masthead, number = document.paragraphs[0], document.paragraphs[1]
    run = masthead.runs[0]
    assert run.text == issued.snapshot["letterhead"]["masthead"]
    assert str(run.font.color.rgb) == "FF0000"
    assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert number.text == "2026年第1期"
    red_line = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert red_line.get(qn("w:color")) == "FF0000"
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
    texts = [p.text for p in document.paragraphs]
    assert texts[-2].startswith("抄送：") and texts[-1].endswith("2026年11月16日印发")
    # Fallbacks for machines without the office fonts.
    table = [
        p
        for p in document.part.package.iter_parts()
        if p.partname.endswith("fontTable.xml")
    ][0].blob.decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in table
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in table


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
