"""Backups of the whole system: the database and the uploaded files, in one archive.

`python manage.py backup -o FILE` writes a .tar.gz with
- data.xml: every table (Django's XML serializer: unlike JSON it keeps datetimes to
  the microsecond and binary content exactly), and history.xml: the audit records,
  which keep ids of rows since deleted, so they are written with plain ids,
- media/…: every file under MEDIA_ROOT (evidence), copied from disk in chunks,
- manifest.json (last): when, from which migrations, how many rows per table, and
  the SHA-256 of every other member,
and `restore FILE` puts them back into an empty database migrated to the same state,
all or nothing: the files are unpacked beside MEDIA_ROOT, the rows loaded in one
transaction, and the files moved into place before that transaction commits (undone
if it does not). It works on SQLite and PostgreSQL alike; at province scale
`pg_dump` plus a copy of MEDIA_ROOT is faster.

Writers are never kept waiting by a backup: SQLite is first copied with
`VACUUM INTO` (a read transaction, which in WAL mode blocks no writer) and the
tables are read from that copy; PostgreSQL reads in one REPEATABLE READ, READ ONLY
transaction, which takes no lock a writer waits for.
"""

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

FORMAT = 1
# Rebuilt by `migrate` (content types, permissions) or short-lived (sessions, login
# attempts): not part of a backup.
SKIPPED = {"contenttypes", "sessions", "axes", "auth.permission"}
SNAPSHOT_ALIAS = "backup_snapshot"
CHUNK = 1024 * 1024
DATA_MEMBERS = ("data.xml", "history.xml")
# A manifest lists every file; even a province's fits in this many bytes.
MANIFEST_LIMIT = 64 * 1024 * 1024


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why, in Chinese."""


def backup_models() -> list:
    chosen = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in SKIPPED or label in SKIPPED:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        chosen.append(model)
    return serializers.sort_dependencies(
        [(apps.get_app_config(m._meta.app_label), [m]) for m in chosen],
        allow_cycles=True,
    )


def _migrations(alias: str = DEFAULT_DB_ALIAS) -> list[list[str]]:
    recorder = MigrationRecorder(connections[alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    # A link could point outside MEDIA_ROOT; uploads never make one.
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


class _HashingReader:
    """A file whose bytes are hashed as tarfile copies them: one read per file."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.hash.update(chunk)
        return chunk


def _add_file(archive: tarfile.TarFile, name: str, path: Path, mtime: int) -> str:
    """Copy `path` into the archive in chunks; return its SHA-256."""
    with path.open("rb") as file:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(file.fileno()).st_size
        info.mtime = mtime
        reader = _HashingReader(file)
        archive.addfile(info, reader)
    return reader.hash.hexdigest()


@contextlib.contextmanager
def _snapshot(work: Path) -> Iterator[str]:
    """Yield the alias of a database holding one consistent state of every table."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # PostgreSQL's MVCC snapshot blocks no writer. Inside a caller's transaction
        # (a test's) what that transaction sees is the state to back up.
        inside_another = connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and not inside_another:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    )
            yield DEFAULT_DB_ALIAS
        return
    # Reading every table in a transaction here would hold the write lock the whole
    # time (transactions begin IMMEDIATE) and writers would give up after their 20 s
    # busy wait. VACUUM INTO reads one snapshot without the write lock; the online
    # backup API would restart from scratch after every concurrent write and might
    # never finish on a busy day.
    copy = work / "snapshot.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    # A connection of its own, not an entry in DATABASES: nothing else (a router,
    # a test's allowed databases) should ever see or use it.
    snapshot = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
        {
            **connection.settings_dict,
            "NAME": str(copy),
            "OPTIONS": {"timeout": 20},
            "CONN_MAX_AGE": 0,
        },
        SNAPSHOT_ALIAS,
    )
    connections[SNAPSHOT_ALIAS] = snapshot
    try:
        yield SNAPSHOT_ALIAS
    finally:
        snapshot.close()
        del connections[SNAPSHOT_ALIAS]


def backup_write(path: Path) -> dict:
    """Write the archive to `path`; return its manifest."""
    models = backup_models()
    root = Path(settings.MEDIA_ROOT)
    mtime = int(datetime.now(UTC).timestamp())
    digests: dict[str, str] = {}
    # Beside the output, not in /tmp: the snapshot is as big as the database.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        work = Path(scratch)
        with _snapshot(work) as alias:
            counts = {
                m._meta.label_lower: m._base_manager.using(alias).count()
                for m in models
            }
            _serialize(work / "data.xml", alias, models, history=False)
            _serialize(work / "history.xml", alias, models, history=True)
            migrations = _migrations(alias)
        with tarfile.open(path, "w:gz") as archive:
            for name in DATA_MEMBERS:
                digests[name] = _add_file(archive, name, work / name, mtime)
            files = {
                str(p.relative_to(root)): _add_file(
                    archive, f"media/{p.relative_to(root).as_posix()}", p, mtime
                )
                for p in _media_files(root)
            }
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "database": connection.vendor,
                "migrations": migrations,
                "counts": counts,
                "data_sha256": digests["data.xml"],
                "history_sha256": digests["history.xml"],
                "files": files,
            }
            # Last, since it holds the checksums of everything before it.
            (work / "manifest.json").write_text(json.dumps(manifest, indent=1))
            _add_file(archive, "manifest.json", work / "manifest.json", mtime)
    return manifest


def _is_history(model) -> bool:
    return any(f.name == "history_id" for f in model._meta.fields)


def _serialize(target: Path, alias: str, models: list, *, history: bool) -> None:
    # Natural keys for users, groups and permissions (rebuilt by migrate with ids of
    # their own); audit records keep plain ids, since the user or row they name may
    # have been deleted since.
    chosen = [m for m in models if _is_history(m) == history]
    rows = (
        obj
        for m in chosen
        for obj in m._base_manager.using(alias).order_by("pk").iterator()
    )
    with target.open("w", encoding="utf-8") as stream:
        serializers.serialize(
            "xml", rows, stream=stream, use_natural_foreign_keys=not history
        )


# Restore ---------------------------------------------------------------------


@dataclass
class _Unpacked:
    """An archive unpacked into a work folder, with the checksum of every member."""

    work: Path
    manifest: dict | None = None
    digests: dict[str, str] = field(default_factory=dict)  # data members and media/…


def _member_name(member: tarfile.TarInfo) -> str:
    """Return the member's name if it is safe to unpack; refuse it otherwise."""
    name = member.name
    path = PurePosixPath(name)
    if (
        not name
        or path.is_absolute()
        or "\\" in name
        or any(part in ("..", ".") for part in name.split("/"))
    ):
        raise BackupError(f"备份中的文件路径不安全：{name}，拒绝恢复。")
    if member.issym() or member.islnk():
        raise BackupError(f"备份中含有链接：{name}，拒绝恢复。")
    if not (member.isfile() or member.isdir()):
        raise BackupError(f"备份中含有特殊文件：{name}，拒绝恢复。")
    if member.isfile() and name not in (*DATA_MEMBERS, "manifest.json"):
        if not name.startswith("media/") or name == "media/":
            raise BackupError(f"备份中有不属于本系统的文件：{name}，拒绝恢复。")
    return name


def _copy(source: BinaryIO, target: Path) -> str:
    """Copy a member to `target` in chunks; return its SHA-256."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _unpack(path: Path, work: Path) -> _Unpacked:
    """Stream the archive once: media and data to `work`, checksums as they pass."""
    unpacked = _Unpacked(work)
    damaged = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)
    try:
        archive = tarfile.open(path, "r:*")
    except FileNotFoundError as e:
        raise BackupError(f"找不到备份文件：{path}") from e
    except damaged as e:
        raise BackupError(
            f"无法读取备份文件 {path.name}：不是本系统生成的 .tar.gz 备份，或已损坏。"
        ) from e
    name = ""
    try:
        with archive:
            for member in archive:
                name = _member_name(member)
                if member.isdir():
                    continue
                if name in unpacked.digests or (
                    name == "manifest.json" and unpacked.manifest is not None
                ):
                    raise BackupError(f"备份中的文件重复：{name}，拒绝恢复。")
                source = archive.extractfile(member)
                if name == "manifest.json":
                    if member.size > MANIFEST_LIMIT:
                        raise BackupError("备份清单 manifest.json 过大，备份已损坏。")
                    unpacked.manifest = _manifest_parse(source.read(member.size))
                else:
                    target = work / ("data" if name in DATA_MEMBERS else "") / name
                    unpacked.digests[name] = _copy(source, target)
    except damaged as e:
        where = f"（读到 {name} 时）" if name else ""
        raise BackupError(
            f"备份文件不完整或已损坏{where}：请换一份备份，或重新备份。"
        ) from e
    except OSError as e:
        raise BackupError(f"解压备份时读写出错：{e.strerror or e}") from e
    if unpacked.manifest is None:
        raise BackupError("不是本系统的备份文件（缺少 manifest.json）。")
    return unpacked


def _manifest_parse(raw: bytes) -> dict:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BackupError("备份清单 manifest.json 不是有效的 JSON，备份已损坏。") from e
    if not isinstance(manifest, dict):
        raise BackupError("备份清单 manifest.json 格式不对，备份已损坏。")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"备份文件的格式版本（{manifest.get('format')!s:.20}）与本系统"
            f"（{FORMAT}）不符。"
        )
    expected = {
        "created_at": str,
        "migrations": list,
        "counts": dict,
        "data_sha256": str,
        "history_sha256": str,
        "files": dict,
    }
    for key, kind in expected.items():
        if not isinstance(manifest.get(key), kind):
            raise BackupError(
                f"备份清单 manifest.json 缺少或写错了 {key}，备份已损坏。"
            )
    if not (
        all(isinstance(v, str) for v in manifest["files"].values())
        and all(isinstance(v, int) for v in manifest["counts"].values())
        and all(
            isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m)
            for m in manifest["migrations"]
        )
    ):
        raise BackupError("备份清单 manifest.json 格式不对，备份已损坏。")
    return manifest


def _verify(unpacked: _Unpacked) -> None:
    """Refuse an archive whose members differ from what its manifest lists."""
    manifest, digests = unpacked.manifest, unpacked.digests
    for name, key in zip(DATA_MEMBERS, ("data_sha256", "history_sha256"), strict=True):
        if name not in digests:
            raise BackupError(f"备份文件不完整：缺少 {name}。")
        if digests[name] != manifest[key]:
            raise BackupError(f"备份文件已损坏（{name} 校验不符）。")
    media = {
        name.removeprefix("media/"): digest
        for name, digest in digests.items()
        if name.startswith("media/")
    }
    missing = sorted(set(manifest["files"]) - set(media))
    if missing:
        more = f"等 {len(missing)} 个" if len(missing) > 1 else ""
        raise BackupError(
            f"备份文件不完整：清单列出的文件 {missing[0]} {more}不在备份中，"
            "未恢复任何内容。"
        )
    for name, digest in media.items():
        if name not in manifest["files"]:
            raise BackupError(f"备份中有清单未列出的文件：{name}，拒绝恢复。")
        if manifest["files"][name] != digest:
            raise BackupError(f"备份文件已损坏（文件 {name} 校验不符）。")


def _stale_work_folders(parent: Path, prefix: str) -> Iterator[Path]:
    """Work folders of restores that were killed (their process is gone)."""
    for folder in parent.glob(f"{prefix}*"):
        try:
            pid = int(folder.name.removeprefix(prefix).split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            yield folder
        except (ValueError, PermissionError):
            continue


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _targets(root: Path, files: dict[str, str]) -> dict[str, Path | None]:
    """Where each file goes; None for one already there with the same content."""
    targets: dict[str, Path | None] = {}
    for name, digest in files.items():
        target = root / name
        if root not in target.resolve().parents:
            raise BackupError(f"备份中的文件路径不安全：{name}，拒绝恢复。")
        if target.is_symlink() or target.exists():
            # The same bytes (left by a restore killed before its commit) are kept;
            # anything else is someone's file, never overwritten.
            if target.is_file() and _file_sha256(target) == digest:
                targets[name] = None
                continue
            raise BackupError(f"文件已存在且内容不同，不覆盖：{name}")
        targets[name] = target
    return targets


def backup_restore(path: Path) -> dict:
    """Restore the archive into this (empty, migrated) database and MEDIA_ROOT."""
    models = backup_models()
    occupied = [m._meta.verbose_name for m in models if m._base_manager.exists()]
    if occupied:
        names = "、".join(map(str, occupied[:3]))
        raise BackupError(f"只能恢复到空数据库，当前已有数据（{names}…）。")
    root = Path(settings.MEDIA_ROOT).absolute()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupError(f"无法创建文件目录 {root}：{e.strerror or e}") from e
    root = root.resolve()
    # Beside MEDIA_ROOT, so moving a file into place is a rename on one file system.
    prefix = f".{root.name}-restore-"
    for folder in _stale_work_folders(root.parent, prefix):
        shutil.rmtree(folder, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=root.parent))
    try:
        unpacked = _unpack(path, work)
        _verify(unpacked)
        manifest = unpacked.manifest
        if sorted(map(list, manifest["migrations"])) != _migrations():
            raise BackupError(
                "数据库结构与备份时不同：请先用备份时的版本运行 migrate，再恢复。"
            )
        targets = _targets(root, manifest["files"])
        _load_and_place(unpacked, manifest, targets, models)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _load_and_place(
    unpacked: _Unpacked, manifest: dict, targets: dict[str, Path | None], models: list
) -> None:
    """Load the rows and move the files in, in one transaction: all or nothing.

    The files are moved in before the commit, so a restore killed at any point
    leaves either everything or an empty database beside files identical to the
    archive's, which a retry accepts.
    """
    placed: list[Path] = []
    try:
        with transaction.atomic():
            try:
                for name in DATA_MEMBERS:
                    with (unpacked.work / "data" / name).open("rb") as stream:
                        _load(stream)
                # Deferred foreign keys would otherwise only fail at the commit,
                # after the files were moved.
                connection.check_constraints()
            except Exception as e:
                raise BackupError(f"备份数据无法载入，已全部撤销：{e}") from e
            counts = {m._meta.label_lower: m._base_manager.count() for m in models}
            if counts != manifest["counts"]:
                raise BackupError("恢复后的行数与备份不符，已全部撤销。")
            for name, target in targets.items():
                if target is None:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(unpacked.work / "media" / name, target)
                placed.append(target)
    except BaseException:
        for target in placed:  # nothing half-restored: the files go with the rows
            target.unlink(missing_ok=True)
        raise


def _load(stream: BinaryIO) -> None:
    objects = serializers.deserialize("xml", stream, handle_forward_references=True)
    deferred = []
    for obj in objects:
        obj.save()
        if obj.deferred_fields:
            deferred.append(obj)
    for obj in deferred:
        obj.save_deferred_fields()
    # Primary keys were restored as they were: move each table's counter past them.
    statements = connection.ops.sequence_reset_sql(no_style(), backup_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
