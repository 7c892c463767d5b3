"""CI's fault test: kill the import worker mid-import (kill -9), watch the file end
as failed rather than 处理中 for ever, retry it, and watch it succeed.

    .venv/bin/python deploy/worker_fault.py [--rows 8000]

A throwaway SQLite database and file cache, shared by this process (the web
side: the same functions the batch page calls) and `manage.py db_worker`
subprocesses, with a short lease (IMPORT_LEASE_SECONDS=5). Exits non-zero, saying
why, if any step does not happen within its time.
"""

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LEASE = 5


def _bench_import():
    """bench/import.py's database set-up and return builder ("import" is a
    keyword, so it is loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "bench_import", ROOT / "bench/import.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wait(what: str, check, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.25)
    sys.exit(f"FAILED: {what} did not happen within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CACHE_URL"] = f"file://{tmp}/cache"
        os.environ["IMPORT_LEASE_SECONDS"] = str(LEASE)
        bench = _bench_import()
        bench.setup(Path(tmp) / "fault.sqlite3")
        from django.contrib.auth import get_user_model

        from indicators.plan_loader import plan_load
        from reporting.import_jobs import batch_progress, batch_retry, imports_queue
        from reporting.models import IndicatorValue, ReturnImport

        plan_load()
        user = get_user_model().objects.create(username="fault", is_superuser=True)
        data, rows = bench.build_return(args.rows)
        batch = imports_queue(files=[("大文件.xlsx", data)], user=user, submit=False)

        def worker() -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "-v0"],
                cwd=ROOT,
                env=os.environ,
            )

        def status() -> str:
            return ReturnImport.objects.get(batch=batch).status

        first = worker()
        took = _wait("the worker starting the file", lambda: status() == "running", 60)
        time.sleep(1)
        first.send_signal(signal.SIGKILL)
        first.wait()
        print(f"worker killed (-9) {took + 1:.1f} s after the upload, mid-import")

        def failed() -> bool:
            (file,) = batch_progress(batch)
            return file.log.status == "failed"

        took = _wait("the file ending as failed", failed, LEASE * 6)
        (file,) = batch_progress(batch)
        print(f"marked failed {took:.1f} s later: {file.log.outcome['errors'][0]}")
        if not file.log.outcome.get("retryable"):
            sys.exit("FAILED: the file cannot be retried")
        if IndicatorValue.objects.exists():
            sys.exit("FAILED: the killed import wrote values")

        assert batch_retry(batch=batch, user=user) == 1
        second = worker()
        try:
            took = _wait(
                "the retried file's preview", lambda: status() == "preview", 600
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
        log = ReturnImport.objects.get(batch=batch)
        print(f"retried: preview of {rows} rows in {took:.1f} s, {log.failed} errors")
        if log.failed:
            sys.exit("FAILED: the retried preview has errors")
        print("worker fault test passed")


if __name__ == "__main__":
    main()
