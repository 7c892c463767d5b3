"""Backups keep writers working; restores are all or nothing, whatever the archive.

The round trip itself (every row and file back exactly) is in test_production.py.
"""

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection

from reporting.models import IndicatorValue
from yuecheng_housing.backups import backup_models

from .test_production import files, filled, the_plan  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as source:
        return {m.name: source.extractfile(m).read() for m in source}


def _pack(target: Path, members: dict[str, bytes], *, extra=()) -> Path:
    with tarfile.open(target, "w:gz") as out:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        for info in extra:
            out.addfile(info)
    return target


def _link(name: str, *, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = "/etc/passwd"
    return info


def _database_empty() -> None:
    """Delete every backed-up row inside the test's transaction (rolled back)."""
    kept = {"django_content_type", "auth_permission"}  # not backed up: migrate's
    tables = set(connection.introspection.django_table_names(only_existing=True))
    # PostgreSQL refuses to TRUNCATE a table with foreign-key checks still deferred
    # ("pending trigger events") in this transaction, as the fixture's inserts
    # leave them: run those checks now; later writes are deferred again.
    connection.check_constraints()
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), sorted(tables - kept)):
            cursor.execute(sql)


def _restore_leftovers(media: Path) -> list[str]:
    return [p.name for p in media.parent.glob(f".{media.name}-restore-*")]


@pytest.fixture
def archive(filled, tmp_path):  # noqa: F811
    """A valid backup of `filled` plus two more files; then an empty system."""
    (filled / "extra").mkdir()
    (filled / "extra" / "one.bin").write_bytes(b"one")
    (filled / "extra" / "two.bin").write_bytes(b"two")
    target = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(target), stdout=io.StringIO())
    _database_empty()
    shutil.rmtree(filled)
    return target


def _manifest_with(members: dict, **changes) -> dict:
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def _without(members: dict, name: str) -> dict:
    return {k: v for k, v in members.items() if k != name}


MALFORMED = {
    "garbage": (lambda m, a: None, "无法读取备份文件"),
    "zip": (lambda m, a: None, "无法读取备份文件"),
    "truncated": (lambda m, a: None, "备份文件"),
    "manifest_not_json": (
        lambda m, a: {**m, "manifest.json": b"{not json"},
        "不是有效的 JSON",
    ),
    "manifest_missing": (lambda m, a: _without(m, "manifest.json"), "缺少 manifest"),
    "wrong_version": (lambda m, a: _manifest_with(m, format=99), "格式版本"),
    "manifest_without_counts": (
        lambda m, a: _manifest_with(m, counts=None),
        "缺少或写错了 counts",
    ),
    "data_missing": (lambda m, a: _without(m, "data.xml"), "缺少 data.xml"),
    "listed_file_missing": (
        lambda m, a: _without(m, "media/extra/two.bin"),
        "清单列出的文件 extra/two.bin",
    ),
    "file_not_listed": (
        lambda m, a: {**m, "media/extra/three.bin": b"3"},
        "清单未列出的文件：extra/three.bin",
    ),
    "file_altered": (
        lambda m, a: {**m, "media/extra/one.bin": b"uno"},
        "extra/one.bin 校验不符",
    ),
    "parent_traversal": (
        lambda m, a: {**m, "../../etc/passwd": b"root"},
        "路径不安全：../../etc/passwd",
    ),
    "traversal_inside_media": (
        lambda m, a: {**m, "media/../../evil": b"x"},
        "路径不安全",
    ),
    "absolute_path": (lambda m, a: {**m, "/etc/passwd": b"x"}, "路径不安全"),
    "foreign_member": (lambda m, a: {**m, "setup.py": b"x"}, "不属于本系统"),
}


def _build(kind: str, archive: Path, tmp_path: Path) -> Path:
    target = tmp_path / f"{kind}.tar.gz"
    if kind == "garbage":
        target.write_bytes(b"this is not an archive at all" * 100)
    elif kind == "zip":
        with zipfile.ZipFile(target, "w") as out:
            for name, data in _members(archive).items():
                out.writestr(name, data)
    elif kind == "truncated":
        target.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif kind in ("symlink", "hardlink"):
        link = _link("media/extra/link", hard=kind == "hardlink")
        _pack(target, _members(archive), extra=[link])
    else:
        change, _ = MALFORMED[kind]
        _pack(target, change(_members(archive), archive))
    return target


@pytest.mark.parametrize(
    "kind, message",
    [(kind, message) for kind, (_, message) in MALFORMED.items()]
    + [("symlink", "含有链接"), ("hardlink", "含有链接")],
)
def test_a_malformed_archive_is_refused_in_chinese_and_leaves_nothing(
    archive, tmp_path, kind, message
):
    bad = _build(kind, archive, tmp_path)
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("restore", str(bad), stdout=io.StringIO())
    assert not IndicatorValue.objects.exists()
    media = Path(django_settings.MEDIA_ROOT)
    assert files(media) == {}
    assert _restore_leftovers(media) == []
    assert not (tmp_path.parent / "etc").exists()


def test_a_file_already_there_with_other_content_is_never_overwritten(archive):
    media = Path(django_settings.MEDIA_ROOT)
    (media / "extra").mkdir(parents=True)
    (media / "extra" / "one.bin").write_bytes(b"someone else's")
    with pytest.raises(CommandError, match="内容不同，不覆盖：extra/one.bin"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert (media / "extra" / "one.bin").read_bytes() == b"someone else's"
    assert not IndicatorValue.objects.exists()
    assert set(files(media)) == {"extra/one.bin"}


def test_a_failed_load_takes_back_the_files_it_had_moved_in(archive, monkeypatch):
    # The counts check fails after the files were moved in: they go with the rows.
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    manifest["counts"]["reporting.indicatorvalue"] += 1
    broken = _pack(
        archive.with_name("counts.tar.gz"),
        {**members, "manifest.json": json.dumps(manifest).encode()},
    )
    with pytest.raises(CommandError, match="行数与备份不符"):
        call_command("restore", str(broken), stdout=io.StringIO())
    media = Path(django_settings.MEDIA_ROOT)
    assert files(media) == {}
    assert not IndicatorValue.objects.exists()


# Writers during a backup and a killed restore: real processes, on the database
# the test has committed (transactional tests).


def _shared_database(tmp_path: Path) -> str:
    """The URL of a database other processes can use, holding what the test has.

    SQLite: a copy in a file (VACUUM INTO), since the suite's in-memory database is
    this process's alone. PostgreSQL: the test database itself, where other
    processes see what this transactional test has committed.
    """
    if connection.vendor == "sqlite":
        target = tmp_path / "shared.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        return f"sqlite:///{target}"
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}@{db['HOST'] or ''}{port}/{quote(db['NAME'], safe='')}"


def _fetch(database: str, sql: str) -> list[tuple]:
    """Query the database of _shared_database, as the other processes left it."""
    if database.startswith("sqlite:///"):
        path = database.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:  # autocommit: sees what they committed
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture
def empty_shared_database(tmp_path):
    """An empty database migrated like the suite's, for other processes."""
    call_command("flush", "--noinput", stdout=io.StringIO())
    return _shared_database(tmp_path)


def _run(database: str, media: Path, code: str, *args: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yuecheng_housing.settings",
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media),
        "DEBUG": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# Kill the process (SIGKILL: no cleanup runs) at the Nth call of a function.
KILLING_RESTORE = """
import os, signal, sys
import django
django.setup()
from django.core.management import call_command
from yuecheng_housing import backups

owner_name, attribute, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
owner = os if owner_name == "os" else backups
real = getattr(owner, attribute)
calls = 0

def killing(*args, **kwargs):
    global calls
    calls += 1
    if calls >= after:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)

setattr(owner, attribute, killing)
call_command("restore", sys.argv[4])
"""

RESTORE = """
import sys
import django
django.setup()
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "restore", sys.argv[1]])
"""


def _table_counts(database: str) -> dict[str, int]:
    return {
        m._meta.label_lower: _fetch(
            database, f'SELECT COUNT(*) FROM "{m._meta.db_table}"'
        )[0][0]
        for m in backup_models()
    }


@pytest.mark.django_db(transaction=True)
def test_a_restore_killed_while_unpacking_or_moving_files_can_simply_be_retried(
    filled,  # noqa: F811
    tmp_path,
):
    (filled / "extra").mkdir()
    for n in range(3):
        (filled / "extra" / f"{n}.bin").write_bytes(os.urandom(1000))
    before_files = files(filled)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive), stdout=io.StringIO())
    manifest = json.loads(_members(archive)["manifest.json"])
    call_command("flush", "--noinput", stdout=io.StringIO())
    database = _shared_database(tmp_path)
    media = tmp_path / "restored-media"

    # Killed while unpacking: the database is untouched, a work folder stays.
    killed = _run(
        database, media, KILLING_RESTORE, "backups", "_copy", "3", str(archive)
    )
    assert killed.returncode == -9, killed.stderr
    assert _restore_leftovers(media)
    assert files(media) == {}
    # Killed inside the transaction after moving one file in: rolled back, one file
    # (identical to the archive's) is in MEDIA_ROOT.
    killed = _run(database, media, KILLING_RESTORE, "os", "replace", "2", str(archive))
    assert killed.returncode == -9, killed.stderr
    assert sum(_table_counts(database).values()) == 0
    assert len(files(media)) == 1

    retried = _run(database, media, RESTORE, str(archive))
    assert retried.returncode == 0, retried.stderr
    assert "已恢复" in retried.stdout
    assert _table_counts(database) == manifest["counts"]
    assert files(media) == before_files
    assert _restore_leftovers(media) == []


@pytest.mark.django_db(transaction=True)
def test_the_command_line_ends_a_bad_restore_with_a_message_not_a_traceback(
    empty_shared_database, tmp_path
):
    missing = _pack(tmp_path / "no-manifest.tar.gz", {"data.xml": b"<x/>"})
    for bad, message in [
        (missing, "缺少 manifest.json"),
        (tmp_path / "nowhere.tar.gz", "找不到备份文件"),
    ]:
        done = _run(empty_shared_database, tmp_path / "media", RESTORE, str(bad))
        assert done.returncode != 0
        assert message in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.django_db(transaction=True)
def test_a_backup_keeps_no_write_lock_and_holds_the_state_it_began_with(
    filled,  # noqa: F811
    tmp_path,
):
    before = sorted(
        str(v) for v in IndicatorValue.objects.values_list("value", flat=True)
    )
    database = _shared_database(tmp_path)
    # While the backup reads the tables, another connection writes, waiting at most
    # 1 s for a lock: it must not be kept waiting (it would fail), and the backup
    # must not see its write.
    code = """
import os, sqlite3, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from yuecheng_housing import backups

UPDATE = "UPDATE reporting_indicatorvalue SET value = 777"
real = backups._serialize

def serialize_beside_a_writer(*args, **kwargs):
    if connection.vendor == "sqlite":
        path = connection.settings_dict["NAME"]
        with sqlite3.connect(path, timeout=1, isolation_level=None) as writer:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute(UPDATE)
            writer.execute("COMMIT")
    else:
        import psycopg2

        writer = psycopg2.connect(os.environ["DATABASE_URL"])
        try:
            with writer, writer.cursor() as cursor:  # commits
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(UPDATE)
        finally:
            writer.close()
    return real(*args, **kwargs)

backups._serialize = serialize_beside_a_writer
call_command("backup", "-o", sys.argv[1])
"""
    archive = tmp_path / "live.tar.gz"
    done = _run(database, filled, code, str(archive))
    assert done.returncode == 0, done.stderr
    assert _fetch(database, "SELECT value FROM reporting_indicatorvalue")
    assert _fetch(
        database, "SELECT COUNT(*) FROM reporting_indicatorvalue WHERE value != 777"
    ) == [(0,)]
    # Compare the values themselves: "777" can turn up by chance elsewhere in the
    # data (a token, microseconds of a timestamp, a file's random name).
    data = ElementTree.fromstring(_members(archive)["data.xml"])
    backed_up = sorted(
        obj.find("field[@name='value']").text
        for obj in data.iter("object")
        if obj.get("model") == "reporting.indicatorvalue"
    )
    assert backed_up == before and "1.2345" in backed_up


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_stream_large_files_instead_of_holding_them(
    settings, tmp_path
):
    call_command("flush", "--noinput", stdout=io.StringIO())
    settings.MEDIA_ROOT = media = tmp_path / "media"
    size = 40 * 1024 * 1024
    (media / "evidence").mkdir(parents=True)
    big = media / "evidence" / "scan.pdf"
    with big.open("wb") as out:
        for _ in range(size // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    digest = files(media)
    archive = tmp_path / "big.tar.gz"

    tracemalloc.start()
    try:
        call_command("backup", "-o", str(archive), stdout=io.StringIO())
        backup_peak = tracemalloc.get_traced_memory()[1]
        shutil.rmtree(media)
        tracemalloc.reset_peak()
        call_command("restore", str(archive), stdout=io.StringIO())
        restore_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert files(media) == digest
    # The file is 40 MB; reading it whole would show here.
    assert backup_peak < 10 * 1024 * 1024, backup_peak
    assert restore_peak < 10 * 1024 * 1024, restore_peak
