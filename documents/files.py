"""An issued notice's .docx and PDF, made once and kept (`NoticeFile`).

Issuing a notice queues their making once its transaction has committed (a
django-tasks task, worked by `manage.py db_worker`), so the first download is
already quick. A download finds them kept; where the worker has not got there
yet, the download makes them, and a lock in the cache (one for every process in
production) lets one download at a time run LibreOffice for a notice while
another waits for its result.
"""

import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django_tasks import task

from documents.docx import LAYOUT_VERSION, notice_docx
from documents.models import IssuedNotice, NoticeFile
from documents.pdf import docx_to_pdf

Format = NoticeFile.Format
# Longer than LibreOffice is given (documents.pdf), so that a lock outlives the
# conversion it guards; a lock whose holder died lapses after it.
LOCK_SECONDS = 150
# How long a download waits for another's result before making its own: well
# inside gunicorn's 120 s, and many times the 3–9 s a conversion takes.
WAIT_SECONDS = 60
WAIT_STEP = 0.25


def _lock_key(notice_id: int) -> str:
    return f"notice-files:{notice_id}:{LAYOUT_VERSION}"


def _kept(notice_id: int, format: str) -> bytes | None:
    content = (
        NoticeFile.objects.filter(
            notice_id=notice_id, format=format, layout=LAYOUT_VERSION
        )
        .values_list("content", flat=True)
        .first()
    )
    return None if content is None else bytes(content)


def _keep(notice_id: int, format: str, content: bytes) -> None:
    try:
        with transaction.atomic():
            NoticeFile.objects.create(
                notice_id=notice_id,
                format=format,
                layout=LAYOUT_VERSION,
                content=content,
            )
            # An older layout's file is read no more.
            NoticeFile.objects.filter(notice_id=notice_id, format=format).exclude(
                layout=LAYOUT_VERSION
            ).delete()
    except IntegrityError:
        pass  # made meanwhile elsewhere (the lock lapsed): the same file


def notice_files_make(*, notice: IssuedNotice) -> dict[str, bytes | None]:
    """Make and keep the notice's .docx and PDF where not kept yet; return them
    (the PDF None where LibreOffice is not installed)."""
    docx = _kept(notice.pk, Format.DOCX)
    if docx is None:
        docx = notice_docx(notice.snapshot)
        _keep(notice.pk, Format.DOCX, docx)
    pdf = _kept(notice.pk, Format.PDF)
    if pdf is None:
        pdf = docx_to_pdf(docx)
        if pdf is not None:
            _keep(notice.pk, Format.PDF, pdf)
    return {Format.DOCX: docx, Format.PDF: pdf}


def notice_file(
    *, notice: IssuedNotice, format: str, wait_seconds: float = WAIT_SECONDS
) -> bytes | None:
    """Return the notice's kept .docx or PDF, making both once if need be;
    None for a PDF where LibreOffice is not installed."""
    content = _kept(notice.pk, format)
    if content is not None:
        return content
    key = _lock_key(notice.pk)
    deadline = time.monotonic() + wait_seconds
    # Another download (or the worker) is making them: wait for its result
    # rather than run LibreOffice a second time.
    while not cache.add(key, True, LOCK_SECONDS):
        if time.monotonic() > deadline:
            break
        time.sleep(WAIT_STEP)
        content = _kept(notice.pk, format)
        if content is not None:
            return content
    try:
        return notice_files_make(notice=notice)[format]
    finally:
        cache.delete(key)


@task()
def notice_files_task(notice_id: int) -> None:
    notice = IssuedNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        return
    key = _lock_key(notice_id)
    if not cache.add(key, True, LOCK_SECONDS):
        return  # a download is making them
    try:
        notice_files_make(notice=notice)
    finally:
        cache.delete(key)


def notice_files_queue(notice: IssuedNotice) -> None:
    """Queue the making of the notice's files once the issuing transaction has
    committed (before, the worker could not read the notice)."""
    notice_id = notice.pk
    transaction.on_commit(lambda: notice_files_task.enqueue(notice_id))
