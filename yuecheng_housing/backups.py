"""Backups of the whole system: the database and the uploaded files, in one archive.

`python manage.py backup -o FILE` writes a .tar.gz with
- data.xml: every table (Django's XML serializer: unlike JSON it keeps datetimes to
  the microsecond and binary content exactly), and history.xml: the audit records,
  which keep ids of rows since deleted, so they are written with plain ids,
- media/…: every file under MEDIA_ROOT (evidence),
- manifest.json: when, from which migrations, how many rows per table, and the
  SHA-256 of every file,
and `restore FILE` puts them back into an empty database migrated to the same state,
in one transaction, then checks the counts and checksums. It works on SQLite and
PostgreSQL alike; at province scale `pg_dump` plus a copy of MEDIA_ROOT is faster.
"""

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
# Rebuilt by `migrate` (content types, permissions) or short-lived (sessions, login
# attempts): not part of a backup.
SKIPPED = {"contenttypes", "sessions", "axes", "auth.permission"}


class BackupError(Exception):
    """The archive cannot be restored here; the message says why, in Chinese."""


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


def _migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_write(path: Path) -> dict:
    """Write the archive to `path`; return its manifest."""
    models = backup_models()
    inside_another = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not inside_another:
            # One snapshot of every table (SQLite's transaction already is one).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        counts = {m._meta.label_lower: m._base_manager.count() for m in models}
        data = _serialize([m for m in models if not _is_history(m)], natural=True)
        history = _serialize([m for m in models if _is_history(m)], natural=False)
        migrations = _migrations()
    root = Path(settings.MEDIA_ROOT)
    files = {str(p.relative_to(root)): p.read_bytes() for p in _media_files()}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "database": connection.vendor,
        "migrations": migrations,
        "counts": counts,
        "data_sha256": _sha256(data),
        "history_sha256": _sha256(history),
        "files": {name: _sha256(content) for name, content in files.items()},
    }
    with tarfile.open(path, "w:gz") as archive:
        _add(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
        _add(archive, "data.xml", data)
        _add(archive, "history.xml", history)
        for name, content in files.items():
            _add(archive, f"media/{name}", content)
    return manifest


def _is_history(model) -> bool:
    return any(f.name == "history_id" for f in model._meta.fields)


def _serialize(models: list, *, natural: bool) -> bytes:
    # Natural keys for users, groups and permissions (rebuilt by migrate with ids of
    # their own); audit records keep plain ids, since the user or row they name may
    # have been deleted since.
    return serializers.serialize(
        "xml",
        (obj for m in models for obj in m._base_manager.order_by("pk").iterator()),
        use_natural_foreign_keys=natural,
    ).encode()


def _read(path: Path) -> tuple[dict, bytes, bytes, dict[str, bytes]]:
    try:
        archive = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as e:
        raise BackupError(f"无法读取备份文件：{e}") from e
    with archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        if not {"manifest.json", "data.xml", "history.xml"} <= set(members):
            raise BackupError("不是本系统的备份文件（缺少 manifest.json 或数据）。")
        manifest = json.loads(archive.extractfile(members["manifest.json"]).read())
        data = archive.extractfile(members["data.xml"]).read()
        history = archive.extractfile(members["history.xml"]).read()
        files = {
            name.removeprefix("media/"): archive.extractfile(member).read()
            for name, member in members.items()
            if name.startswith("media/")
        }
    return manifest, data, history, files


def backup_restore(path: Path) -> dict:
    """Restore the archive into this (empty, migrated) database and MEDIA_ROOT."""
    manifest, data, history, files = _read(path)
    if manifest.get("format") != FORMAT:
        raise BackupError("备份文件的格式版本与本系统不符。")
    if (
        _sha256(data) != manifest["data_sha256"]
        or _sha256(history) != manifest["history_sha256"]
    ):
        raise BackupError("备份文件已损坏（数据校验不符）。")
    for name, content in files.items():
        if manifest["files"].get(name) != _sha256(content):
            raise BackupError(f"备份文件已损坏（文件 {name} 校验不符）。")
    if sorted(map(list, manifest["migrations"])) != _migrations():
        raise BackupError(
            "数据库结构与备份时不同：请先用备份时的版本运行 migrate，再恢复。"
        )
    models = backup_models()
    occupied = [m._meta.verbose_name for m in models if m._base_manager.exists()]
    if occupied:
        names = "、".join(map(str, occupied[:3]))
        raise BackupError(f"只能恢复到空数据库，当前已有数据（{names}…）。")
    root = Path(settings.MEDIA_ROOT).resolve()
    targets = {}
    for name in files:
        target = (root / name).resolve()
        if root not in target.parents:
            raise BackupError(f"备份中的文件路径不安全：{name}")
        if target.exists():
            raise BackupError(f"文件已存在，不覆盖：{name}")
        targets[name] = target
    written = []
    try:
        for name, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[name])
            written.append(target)
        with transaction.atomic():
            _load(data)
            _load(history)
            counts = {m._meta.label_lower: m._base_manager.count() for m in models}
            if counts != manifest["counts"]:
                raise BackupError("恢复后的行数与备份不符，已全部撤销。")
    except BaseException:
        for target in written:  # nothing half-restored: the files go with the rows
            target.unlink(missing_ok=True)
        raise
    return manifest


def _load(data: bytes) -> None:
    objects = serializers.deserialize(
        "xml", data.decode(), handle_forward_references=True
    )
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
