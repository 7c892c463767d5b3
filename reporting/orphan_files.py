"""Evidence files on disk that no row names: what a server killed mid-upload leaves.

`save_with_file` writes the file before its row and deletes it if the row fails,
but a process killed between the two (or a transaction rolled back after both)
leaves a file that no Evidence or HazardEvidence row names, and every backup
carries it. They are found by listing the upload folders and comparing with the
names stored in the rows and their history (a file the audit names is kept).
Only files older than a grace period are taken: a younger one may belong to an
upload whose transaction has not committed yet.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hazards.models import HazardEvidence
from reporting.models import Evidence

# The folders under MEDIA_ROOT that upload_to (evidence_path,
# hazard_evidence_path) writes into; nothing else under MEDIA_ROOT is touched.
FOLDERS = ("evidence", "hazards")
# Far longer than any upload takes, even of 10 MB over a slow line.
GRACE = timedelta(hours=24)


@dataclass
class Orphan:
    name: str  # relative to MEDIA_ROOT, as a FileField stores it
    size: int
    modified: datetime


def _named_files() -> set[str]:
    named: set[str] = set()
    for model in (Evidence, HazardEvidence):
        named.update(model.objects.values_list("file", flat=True))
        named.update(model.history.values_list("file", flat=True))
    return named


def orphan_files(
    *, now: datetime | None = None, grace: timedelta = GRACE
) -> list[Orphan]:
    """Return the files in the upload folders that no row names and that were
    last written more than `grace` before `now`, oldest first."""
    now = now or timezone.now()
    root = Path(settings.MEDIA_ROOT)
    named = _named_files()
    found = []
    for folder in FOLDERS:
        if not (root / folder).is_dir():
            continue
        for path in (root / folder).rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            name = path.relative_to(root).as_posix()
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            if name not in named and now - modified > grace:
                found.append(Orphan(name, stat.st_size, modified))
    return sorted(found, key=lambda o: (o.modified, o.name))


def orphan_files_delete(
    *, now: datetime | None = None, grace: timedelta = GRACE, dry_run: bool = False
) -> list[Orphan]:
    """Delete (unless `dry_run`) the orphan files and return them."""
    orphans = orphan_files(now=now, grace=grace)
    if not dry_run:
        root = Path(settings.MEDIA_ROOT)
        # The names are looked up again just before deleting: a row may have
        # been committed since the list was made.
        named = _named_files()
        orphans = [o for o in orphans if o.name not in named]
        for orphan in orphans:
            (root / orphan.name).unlink(missing_ok=True)
    return orphans
