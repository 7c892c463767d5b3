"""A unit's assessment sheet as a .docx: A4, title and headings in 黑体, body and
tables in 仿宋 (as the issued notices, documents/docx.py), printed from the same
row the page shows (frozen once published)."""

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FANGSONG, HEITI = "仿宋_GB2312", "黑体"
LATIN = "Times New Roman"


def _fonts(element, east_asian: str) -> None:
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)


def _para(document, text: str = "", *, font=FANGSONG, size=16, center=False):
    p = document.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        run = p.add_run(text)
        _fonts(run._r, font)
        run.font.size = Pt(size)
    return p


def _table(document, headers: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cells, font in [(headers, HEITI), *((r, FANGSONG) for r in rows)]:
        row = table.rows[0] if cells is headers else table.add_row()
        for cell, value in zip(row.cells, cells, strict=True):
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            _fonts(run._r, font)
            run.font.size = Pt(11)


def _number(value) -> str:
    return "—" if value is None else f"{value:g}"


def sheet_docx(*, year: int, row: dict, published: str, as_of: str) -> bytes:
    """Return the .docx of one unit's sheet (`row` as in the snapshot)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(30)
    section.left_margin, section.right_margin = Mm(26), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(16)
    _fonts(normal.element, FANGSONG)

    _para(document, f"{year}年度“住有宜居”工作考核表", font=HEITI, size=22, center=True)
    _para(document, row["unit"], font=HEITI, size=16, center=True)
    _para(document, f"数据截至{as_of}；{published}。", size=12)

    _para(document, "一、得分", font=HEITI)
    total = _number(row["total"])
    _para(
        document,
        f"基础得分{_number(row['base'])}分，加分{_number(row['bonus'])}分，"
        f"扣分{_number(row['deduction'])}分，总分{total}分，等次：{row['grade']}"
        + ("（一票否决）" if row["vetoed"] else "")
        + (f"，名次：第{row['rank']}名" if row.get("rank") else "")
        + "。",
    )
    _table(
        document,
        ["考核项目", "权重", "完成情况", "得分率", "得分"],
        [
            [
                p["label"],
                _number(p["weight"]),
                p["summary"] or "不适用",
                "—" if p["share"] is None else f"{p['share'] * 100:.1f}%",
                _number(p["points"]),
            ]
            for p in row["parts"].values()
        ],
    )
    _para(document, "二、得分依据", font=HEITI)
    for p in row["parts"].values():
        _para(
            document, f"{p['label']}（{p['summary'] or '不适用'}）", font=HEITI, size=14
        )
        if p["facts"]:
            _table(
                document,
                ["事实", "情况"],
                [[f["label"], f["value"]] for f in p["facts"]],
            )
    if row["adjustments"]:
        _para(document, "三、加分、扣分和一票否决", font=HEITI)
        _table(
            document,
            ["类型", "事由", "分值", "理由", "依据"],
            [
                [
                    a["kind_label"],
                    a["category"],
                    _number(a["points"]) if a["kind"] != "veto" else "—",
                    a["reason"],
                    a["evidence"],
                ]
                for a in row["adjustments"]
            ],
        )
    if row.get("corrections"):
        _para(document, "四、更正", font=HEITI)
        _table(
            document,
            ["项目", "更正前", "更正后", "理由"],
            [
                [c["label"], c["before"], c["after"], c["reason"]]
                for c in row["corrections"]
            ],
        )
    out = BytesIO()
    document.save(out)
    return out.getvalue()
