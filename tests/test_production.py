"""What an operator relies on: the load balancer's probe, evidence files, backups."""

import hashlib
import io
import shutil
import tarfile
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from indicators.models import Indicator
from indicators.plan_loader import plan_load
from reporting.models import IndicatorValue, ReturnImport
from reporting.services import evidence_add, item_progress_save
from tasks.models import ChecklistItem
from units.models import Unit
from units.roles import Role
from yuecheng_housing.backups import backup_models

pytestmark = pytest.mark.django_db


def test_the_health_check_answers_the_load_balancer_without_login(client):
    response = client.get("/healthz/?format=json")
    assert response.status_code == 200
    assert response.json() and all(v == "OK" for v in response.json().values())


@pytest.fixture
def the_plan(db):
    if not Indicator.objects.exists():  # an earlier transactional test flushed it
        plan_load()


@pytest.fixture
def filled(the_plan, record, make_user, settings, tmp_path):
    """The plan, values in every state, an import, evidence on disk, and a token."""
    settings.MEDIA_ROOT = tmp_path / "media"
    record("区建设局", 2, "2023-05", "1.2345")
    record("区建设局", 2, "2023-06", "1.3", status="draft")
    writer = make_user("wang", Role.REPORTER, ["区建设局"])
    progress = item_progress_save(
        user=writer,
        unit=Unit.objects.get(name="区建设局"),
        item=ChecklistItem.objects.get(entry__seq=1, position=1),
        period=date(2023, 6, 1),
        status="in_progress",
    )
    evidence_add(
        user=writer,
        progress=progress,
        upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    ReturnImport.objects.create(
        content=b"PK\x03\x04 return", file_name="r.xlsx", sha256="0" * 64,
        uploaded_by=writer,
    )  # fmt: skip
    Token.objects.create(user=writer)
    # Someone who left: their account's audit records outlive them.
    make_user("gone", Role.REPORTER, ["区建设局"]).delete()
    # A timestamp JSON would round to the millisecond.
    IndicatorValue.objects.update(
        updated_at=datetime(2023, 6, 3, 9, 15, 42, 123456, tzinfo=UTC)
    )
    return settings.MEDIA_ROOT


def snapshot() -> dict:
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in backup_models()
    }


def files(root) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


# Flushing (TRUNCATE on PostgreSQL) needs a real transaction, not the test's.
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_file_exactly(filled, tmp_path):
    before, before_files = snapshot(), files(filled)
    assert before["reporting.evidence"] and before_files
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive), stdout=io.StringIO())

    call_command("flush", "--noinput", stdout=io.StringIO())  # an empty database
    shutil.rmtree(filled)
    assert not IndicatorValue.objects.exists()
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "已恢复" in out.getvalue()

    after = snapshot()
    assert after == before
    assert files(filled) == before_files
    value = IndicatorValue.objects.first()
    assert value.updated_at.microsecond == 123456
    # New rows continue after the restored ones.
    assert ReturnImport.objects.create(
        content=b"", file_name="n.xlsx", sha256="1" * 64,
        uploaded_by=value.updated_by,
    ).pk > max(r["id"] for r in before["reporting.returnimport"])  # fmt: skip


def test_restore_refuses_a_database_that_is_not_empty(filled, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="只能恢复到空数据库"):
        call_command("restore", str(archive), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_archive(filled, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as original:
        members = {m.name: original.extractfile(m).read() for m in original}
    members["data.xml"] = members["data.xml"].replace(b"1.2345", b"9.2345")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as out:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    call_command("flush", "--noinput", stdout=io.StringIO())
    with pytest.raises(CommandError, match="已损坏"):
        call_command("restore", str(damaged), stdout=io.StringIO())
    assert not IndicatorValue.objects.exists()
