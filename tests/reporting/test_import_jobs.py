"""An import runs in the background: the page answers at once, shows how far the
worker has got, then the preview; confirming queues the import itself."""

import time
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import resolve
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from health_check.exceptions import ServiceUnavailable

from reporting.health import ImportWorker
from reporting.import_jobs import _progress_key, batch_progress, return_import_task
from reporting.models import IndicatorValue, ReturnImport
from tests.reporting.test_returns import xlsx
from units.roles import Role

pytestmark = pytest.mark.django_db
HEADER = ["指标编号", "填报单位", "期间", "本期数值"]


@pytest.fixture
def queue(settings):
    """The production queue: tasks wait in the database for `db_worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def work() -> None:
    # The worker closes the connection between tasks, as Django does between
    # requests; here it is the test's own (its transaction), which the test client
    # keeps open the same way.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections"
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_an_upload_is_queued_previewed_by_the_worker_then_imported(
    queue, client, admin_user
):
    client.force_login(admin_user)
    data = xlsx([HEADER, [1, "区建设局", "2023-06", 30], [2, "区建设局", "2023-06", 1]])
    response = client.post(
        "/imports/", {"files": SimpleUploadedFile("六月.xlsx", data)}
    )
    batch = response.url
    page = client.get(batch).content.decode()
    assert "正在读取和核对" in page and "排队中" in page
    assert 'data-import-progress="' + batch + 'progress/"' in page
    assert client.get(batch + "progress/").json()["working"] is True

    work()
    state = client.get(batch + "progress/").json()
    assert state["working"] is False
    assert state["files"][0]["status"] == "待确认"
    assert state["files"][0]["total"] == 3  # the header and two rows
    page = client.get(batch).content.decode()
    assert "确认导入无错误的文件（1个）" in page and "新增 2" in page
    assert not IndicatorValue.objects.exists()

    client.post(batch, {"action": "commit"})
    assert "正在导入" in client.get(batch).content.decode()
    assert not IndicatorValue.objects.exists()
    work()
    log = ReturnImport.objects.get()
    assert (log.status, log.action, log.created, log.rows_written) == (
        "imported",
        "commit",
        2,
        2,
    )
    assert IndicatorValue.objects.get(indicator__code=1).value == Decimal(30)
    assert "导入结果" in client.get(batch).content.decode()


def test_progress_counts_rows_read_and_written(admin_user, settings):
    rows = [HEADER] + [[1, "区建设局", f"2023-{m:02d}", 30 + m] for m in range(1, 13)]
    log = ReturnImport.objects.create(
        content=xlsx(rows),
        file_name="全年.xlsx",
        uploaded_by=admin_user,
        status=ReturnImport.Status.QUEUED,
        action=ReturnImport.Action.COMMIT,
        batch="9c2c0a1e-6a4b-4a53-8d5f-6c0e1b7d2a10",
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return_import_task.enqueue(log.pk)
    work()
    assert cache.get(_progress_key(log.pk)) == {"read": 13, "written": 12, "total": 13}
    (file,) = batch_progress(log.batch)
    assert (file.read, file.written, file.percent) == (13, 12, 100)
    assert IndicatorValue.objects.filter(report__period=date(2023, 12, 1)).exists()


def test_a_task_that_died_fails_its_file_rather_than_wait(queue, admin_user):
    log = ReturnImport.objects.create(
        content=b"PK\x03\x04 not really",
        file_name="坏.xlsx",
        uploaded_by=admin_user,
        status=ReturnImport.Status.QUEUED,
        batch="2b4c5d6e-0000-4000-8000-000000000001",
    )
    result = return_import_task.enqueue(log.pk)
    ReturnImport.objects.filter(pk=log.pk).update(task_id=result.id)
    # The worker was killed while the file was running.
    ReturnImport.objects.filter(pk=log.pk).update(status=ReturnImport.Status.RUNNING)
    DBTaskResult.objects.filter(pk=result.id).update(status="FAILED")
    (file,) = batch_progress(log.batch)
    assert file.log.status == "failed" and not file.working
    assert "后台任务中断" in file.log.outcome["errors"][0]


def test_an_unreadable_file_fails_with_its_reason(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/imports/",
        {"files": SimpleUploadedFile("旧.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")},
        follow=True,
    )
    page = response.content.decode()
    assert "文件不完整（可能上传中断）" in page  # a .xls cut off after its magic
    assert "该文件有错误，不会写入任何内容" in page
    assert ReturnImport.objects.get().status == "failed"


def test_only_admins_see_a_batch(client, admin_user, make_user):
    client.force_login(admin_user)
    data = xlsx([HEADER, [1, "区建设局", "2023-06", 30]])
    batch = client.post("/imports/", {"files": SimpleUploadedFile("a.xlsx", data)}).url
    client.force_login(make_user("w", Role.REPORTER, ["区建设局"]))
    assert client.get(batch).status_code == 403
    assert client.get(batch + "progress/").status_code == 403
    assert client.post(batch, {"action": "commit"}).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_the_worker_probe_fails_when_an_import_waits_for_no_worker(queue, admin_user):
    # The check itself (the view runs it on a thread of its own, which a test's
    # transaction would hide the queue from); then that /healthz/worker/ runs it.
    log = ReturnImport.objects.create(
        content=b"", file_name="a.xlsx", uploaded_by=admin_user, status="queued"
    )
    result = return_import_task.enqueue(log.pk)
    ImportWorker().run()  # a fresh upload is fine
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=6)
    )
    with pytest.raises(ServiceUnavailable, match="db_worker"):
        ImportWorker().run()
    work()
    ImportWorker().run()
    view = resolve("/healthz/worker/").func.view_initkwargs
    assert view["checks"] == ["reporting.health.ImportWorker"]


def test_a_worker_killed_mid_import_is_detected_and_the_file_retried(
    queue, client, admin_user, settings
):
    """kill -9 of db_worker while it reads a file: no beat comes any more; after a
    lease the file is failed (never 处理中 for ever), the probe says so, and one
    click queues it again for a live worker."""
    settings.IMPORT_LEASE_SECONDS = 30
    client.force_login(admin_user)
    data = xlsx([HEADER, [1, "区建设局", "2023-06", 30]])
    batch = client.post("/imports/", {"files": SimpleUploadedFile("a.xlsx", data)}).url
    log = ReturnImport.objects.get()
    # What the killed worker left: the task claimed and running, the file
    # running, one beat long ago.
    DBTaskResult.objects.filter(pk=log.task_id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=5)
    )
    ReturnImport.objects.filter(pk=log.pk).update(status=ReturnImport.Status.RUNNING)
    cache.set(f"import-beat:{log.pk}", time.time() - 10)
    assert batch_progress(log.batch)[0].working  # beaten 10 s ago: alive
    ImportWorker().run()
    cache.set(f"import-beat:{log.pk}", time.time() - 31)
    with pytest.raises(ServiceUnavailable, match="导入任务停滞"):
        ImportWorker().run()

    page = client.get(batch).content.decode()
    log.refresh_from_db()
    assert log.status == "failed" and log.outcome["retryable"]
    assert "后台任务中断" in page and "重试中断的文件" in page
    assert DBTaskResult.objects.get(pk=log.task_id).status == "FAILED"
    ImportWorker().run()  # nothing stuck any more

    client.post(batch, {"action": "retry"})
    log.refresh_from_db()
    assert log.status == "queued"
    work()
    log.refresh_from_db()
    assert log.status == "preview" and log.failed == 0


def test_a_live_import_keeps_beating_through_a_long_step(queue, admin_user, settings):
    settings.IMPORT_LEASE_SECONDS = 0.3
    seen = []

    def slow(log, progress):
        time.sleep(0.5)  # longer than a lease, with no progress reported
        seen.append(cache.get(f"import-beat:{log.pk}"))

    log = ReturnImport.objects.create(
        content=b"", file_name="a.xlsx", uploaded_by=admin_user, status="queued"
    )
    with mock.patch("reporting.import_jobs.return_import_run", slow):
        return_import_task.call(log.pk)
    assert seen and time.time() - seen[0] < 0.3
