"""An issued notice's .docx and PDF are made once and kept: the second download
runs neither python-docx nor LibreOffice, and a correction has files of its own."""

from datetime import date

import pytest

from dashboard.services import notice_issue, notice_replace
from documents import files
from documents.models import NoticeFile

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def made(monkeypatch):
    """Count each .docx and PDF made; the PDF a stand-in for LibreOffice's."""
    calls = {"docx": 0, "pdf": 0}
    real_docx = files.notice_docx

    def docx(snapshot):
        calls["docx"] += 1
        return real_docx(snapshot)

    def pdf(content):
        calls["pdf"] += 1
        return b"%PDF-1.7 " + str(len(content)).encode()

    monkeypatch.setattr(files, "notice_docx", docx)
    monkeypatch.setattr(files, "docx_to_pdf", pdf)
    return calls


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.content


def test_the_second_download_runs_libreoffice_no_more(plan, admin_user, client, made):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    client.force_login(admin_user)
    first = _get(client, f"/issued-notices/{issued.pk}/notice.pdf")
    assert made == {"docx": 1, "pdf": 1}
    assert _get(client, f"/issued-notices/{issued.pk}/notice.pdf") == first
    docx = _get(client, f"/issued-notices/{issued.pk}/notice.docx")
    assert _get(client, f"/issued-notices/{issued.pk}/notice.docx") == docx
    assert made == {"docx": 1, "pdf": 1}
    assert first.startswith(b"%PDF") and docx.startswith(b"PK")


def test_issuing_makes_the_files_once_committed(
    plan, admin_user, client, made, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = notice_issue(period=OCTOBER, user=admin_user)
        assert made == {"docx": 0, "pdf": 0}  # not inside the transaction
    # The task (run at once in tests, by db_worker in production) made them.
    assert made == {"docx": 1, "pdf": 1}
    kept = set(issued.files.values_list("format", "layout"))
    assert kept == {("docx", files.LAYOUT_VERSION), ("pdf", files.LAYOUT_VERSION)}
    client.force_login(admin_user)
    _get(client, f"/issued-notices/{issued.pk}/notice.pdf")
    assert made == {"docx": 1, "pdf": 1}


def test_a_correction_has_files_of_its_own(plan, admin_user, client, made):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    client.force_login(admin_user)
    original = _get(client, f"/issued-notices/{issued.pk}/notice.docx")
    correction = notice_replace(original=issued, user=admin_user, reason="数据有误")
    corrected = _get(client, f"/issued-notices/{correction.pk}/notice.docx")
    assert corrected != original and made["docx"] == 2
    assert correction.snapshot["title"].encode() not in original
    assert NoticeFile.objects.filter(notice=correction, format="docx").count() == 1
    assert _get(client, f"/issued-notices/{issued.pk}/notice.docx") == original


def test_a_new_layout_makes_the_files_anew(plan, admin_user, client, made, monkeypatch):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    client.force_login(admin_user)
    _get(client, f"/issued-notices/{issued.pk}/notice.pdf")
    monkeypatch.setattr(files, "LAYOUT_VERSION", files.LAYOUT_VERSION + 1)
    _get(client, f"/issued-notices/{issued.pk}/notice.pdf")
    assert made == {"docx": 2, "pdf": 2}
    layouts = set(issued.files.values_list("layout", flat=True))
    assert layouts == {files.LAYOUT_VERSION}  # the old layout's files are gone


def test_a_download_waits_for_the_one_already_making_them(
    plan, admin_user, made, monkeypatch
):
    issued = notice_issue(period=OCTOBER, user=admin_user)
    # Another process holds the lock and keeps the PDF while this one waits.
    assert files.cache.add(files._lock_key(issued.pk), True, 60)

    def other_finishes(seconds):
        NoticeFile.objects.create(
            notice=issued, format="pdf", layout=files.LAYOUT_VERSION, content=b"%PDF"
        )

    monkeypatch.setattr(files.time, "sleep", other_finishes)
    assert files.notice_file(notice=issued, format="pdf") == b"%PDF"
    assert made == {"docx": 0, "pdf": 0}
