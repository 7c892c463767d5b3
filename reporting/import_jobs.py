"""Returns previewed and imported off the request.

A province's return (49 000 rows) takes longer than a web request may, so the page
keeps the files, queues one task per file and shows how far each has got. The
worker (`manage.py db_worker`, django-tasks' database queue) runs the same
`return_import_run` the command line runs. The stages and the outcome are kept on
the ReturnImport row; the running counts in the cache, because an import writes
inside one transaction, and SQLite lets no other connection write meanwhile.
"""

import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.models import DBTaskResult

from reporting.models import ReturnImport
from reporting.returns_import import return_import_run, safe_file_name

logger = logging.getLogger(__name__)

Status = ReturnImport.Status
WORKING = (Status.QUEUED, Status.RUNNING)
PROGRESS_SECONDS = 24 * 3600
# A running import beats every LEASE / 3 seconds (a thread beside the work, so a
# long statement does not stop it); one silent for a whole lease has lost its
# worker (killed, out of memory, the machine restarted) and is marked failed,
# ready to retry with one click.
DIED = "后台任务中断（导入进程已停止），未写入任何内容；可点“重试”重新处理。"


def lease_seconds() -> int:
    return settings.IMPORT_LEASE_SECONDS


def imports_queue(
    *, files: list[tuple[str, bytes]], user: AbstractBaseUser, submit: bool
) -> uuid.UUID:
    """Keep each uploaded file and queue its preview; return the batch they form."""
    batch = uuid.uuid4()
    for name, data in files:
        log = ReturnImport.objects.create(
            content=data,
            file_name=safe_file_name(name),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
            batch=batch,
            then_submit=submit,
            status=Status.QUEUED,
        )
        _enqueue(log)
    return batch


def batch_commit(*, batch: uuid.UUID, user: AbstractBaseUser) -> int:
    """Queue the import of the batch's files whose preview found no error (only
    the uploader's); return how many."""
    logs = list(
        batch_logs(batch).filter(
            uploaded_by=user, status=Status.PREVIEW, action=ReturnImport.Action.PREVIEW
        )
    )
    for log in logs:
        log.action = ReturnImport.Action.COMMIT
        log.status = Status.QUEUED
        log.rows_read = log.rows_written = 0
        log.save(update_fields=["action", "status", "rows_read", "rows_written"])
        cache.delete(_progress_key(log.pk))  # the preview's counts
        _enqueue(log)
    return len(logs)


def batch_logs(batch: uuid.UUID) -> QuerySet[ReturnImport]:
    return (
        ReturnImport.objects.filter(batch=batch)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("pk")
    )


def _enqueue(log: ReturnImport) -> None:
    result = return_import_task.enqueue(log.pk)
    # The immediate backend (tests) has finished the task by now: keep its outcome.
    ReturnImport.objects.filter(pk=log.pk).update(task_id=str(result.id))


@task()
def return_import_task(import_id: int) -> None:
    log = ReturnImport.objects.select_related("uploaded_by").get(pk=import_id)
    if log.status != Status.QUEUED:
        return  # run already (a task delivered twice)
    _beat(log.pk)
    log.status = Status.RUNNING
    log.save(update_fields=["status"])
    counts = {"read": 0, "written": 0, "total": 0}

    def progress(**now: int) -> None:
        counts.update(now)
        cache.set(_progress_key(log.pk), counts, PROGRESS_SECONDS)

    beating = _Heartbeat(log.pk)
    beating.start()
    try:
        return_import_run(log, progress=progress)
    except Exception:
        logger.exception("import %s failed", log.pk)
        _fail(log.pk, f"导入时发生系统错误（记录编号{log.pk}），未写入任何内容。")
        raise
    finally:
        beating.stop()
    ReturnImport.objects.filter(pk=log.pk).update(rows_read=counts["read"])


def _beat_key(import_id: int) -> str:
    return f"import-beat:{import_id}"


def _beat(import_id: int) -> None:
    cache.set(_beat_key(import_id), time.time(), PROGRESS_SECONDS)


class _Heartbeat(threading.Thread):
    """Beats for a running import until stopped (in the cache: the import itself
    writes inside one transaction, which on SQLite no other write may join)."""

    def __init__(self, import_id: int) -> None:
        super().__init__(daemon=True, name=f"import-beat-{import_id}")
        self.import_id = import_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(lease_seconds() / 3):
            _beat(self.import_id)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def _fail(import_id: int, message: str, *, retryable: bool = False) -> None:
    ReturnImport.objects.filter(pk=import_id).update(
        status=Status.FAILED,
        failed=1,
        outcome={"errors": [message], "errors_total": 1, "retryable": retryable},
    )


def batch_retry(*, batch: uuid.UUID, user: AbstractBaseUser) -> int:
    """Queue again the step (preview or import) of the batch's files whose worker
    died (only the uploader's); return how many. Nothing of theirs was written,
    so running the step again is safe."""
    logs = [
        log
        for log in batch_logs(batch).filter(uploaded_by=user, status=Status.FAILED)
        if (log.outcome or {}).get("retryable")
    ]
    for log in logs:
        log.status = Status.QUEUED
        log.failed = 0
        log.outcome = {}
        log.rows_read = log.rows_written = 0
        log.save(
            update_fields=["status", "failed", "outcome", "rows_read", "rows_written"]
        )
        cache.delete(_progress_key(log.pk))
        _enqueue(log)
    return len(logs)


def _progress_key(import_id: int) -> str:
    return f"import-progress:{import_id}"


@dataclass
class FileProgress:
    log: ReturnImport
    read: int
    written: int
    total: int

    @property
    def working(self) -> bool:
        return self.log.status in WORKING

    @property
    def percent(self) -> int:
        """How far the file has got: reading is the first tenth, writing the rest
        (a preview writes and rolls back, so it takes as long)."""
        if not self.working:
            return 100
        if not self.total:
            return 0
        done = 0.1 * self.read + 0.9 * self.written
        return min(99, int(100 * done / self.total))


def batch_progress(batch: uuid.UUID) -> list[FileProgress]:
    """Each file of a batch with its counts; a file whose task died is marked
    failed here, so that its page does not wait for ever."""
    logs = list(batch_logs(batch))
    counts = cache.get_many([_progress_key(log.pk) for log in logs])
    found = []
    for log in logs:
        if log.status in WORKING and _task_died(log):
            _fail(log.pk, DIED, retryable=True)
            _task_failed(log)
            log.refresh_from_db()
        now = counts.get(_progress_key(log.pk), {})
        found.append(
            FileProgress(
                log,
                read=now.get("read", log.rows_read),
                written=now.get("written", log.rows_written),
                total=now.get("total", 0),
            )
        )
    return found


def _task_died(log: ReturnImport) -> bool:
    """Whether the worker running (or that ran) the file's task is gone: its task
    failed, or it is running and has not beaten for a whole lease."""
    if not log.task_id:
        return False
    try:
        result = return_import_task.get_result(log.task_id)
    except (TaskResultDoesNotExist, NotImplementedError):
        return False  # its result pruned, or a backend that keeps none
    if result.status == TaskResultStatus.FAILED:
        return True
    if log.status != Status.RUNNING or result.status != TaskResultStatus.RUNNING:
        return False
    return _silent(log.pk, result.started_at)


def _silent(import_id: int, started_at) -> bool:
    """No beat for a whole lease, and started longer ago than that."""
    lease = lease_seconds()
    beat = cache.get(_beat_key(import_id))
    if beat is not None:
        return time.time() - beat > lease
    return started_at is None or (timezone.now() - started_at).total_seconds() > lease


def _task_failed(log: ReturnImport) -> None:
    """Close the queue's record of a task whose worker died: left running, it
    would be counted as running for ever."""
    DBTaskResult.objects.filter(pk=log.task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


def stuck_imports() -> list[ReturnImport]:
    """Files whose import runs with no worker beating for it (the health probe)."""
    running = ReturnImport.objects.filter(status=Status.RUNNING).defer("content")
    return [log for log in running if _task_died(log)]
