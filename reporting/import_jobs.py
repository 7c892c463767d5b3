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
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import QuerySet
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

from reporting.models import ReturnImport
from reporting.returns_import import return_import_run, safe_file_name

logger = logging.getLogger(__name__)

Status = ReturnImport.Status
WORKING = (Status.QUEUED, Status.RUNNING)
PROGRESS_SECONDS = 24 * 3600


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
    log.status = Status.RUNNING
    log.save(update_fields=["status"])
    counts = {"read": 0, "written": 0, "total": 0}

    def progress(**now: int) -> None:
        counts.update(now)
        cache.set(_progress_key(log.pk), counts, PROGRESS_SECONDS)

    try:
        return_import_run(log, progress=progress)
    except Exception:
        logger.exception("import %s failed", log.pk)
        _fail(log.pk, f"导入时发生系统错误（记录编号{log.pk}），未写入任何内容。")
        raise
    ReturnImport.objects.filter(pk=log.pk).update(rows_read=counts["read"])


def _fail(import_id: int, message: str) -> None:
    ReturnImport.objects.filter(pk=import_id).update(
        status=Status.FAILED, failed=1, outcome={"errors": [message], "errors_total": 1}
    )


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
            _fail(log.pk, "后台任务意外中止，未写入任何内容；请重新上传。")
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
    if not log.task_id:
        return False
    try:
        result = return_import_task.get_result(log.task_id)
    except (TaskResultDoesNotExist, NotImplementedError):
        return False  # its result pruned, or a backend that keeps none
    return result.status == TaskResultStatus.FAILED
