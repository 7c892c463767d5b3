"""Concurrent writes through the API, as units' systems and a busy month-end make them.

Starts SERVERS gunicorn servers with WORKERS workers each on one database, then:
- 200 concurrent updates of one value (no version: the last writer wins), and
- 50 concurrent first writes of a value nobody has stored ("version": 0: exactly one
  may win, the others must be told 409),
and prints the status codes. Any 500 is a failure (exit 1).

Then "writes during a backup": on a database of its own, filled with the demo
district at --backup-scale (3: 90 towns, about 20 000 rows), `manage.py backup` runs
while 4 clients save a value every 0.2 s until it ends; every save that is not 201
is a failure (before backups read a snapshot, they held the write lock longer than
the 20 s busy wait and saves failed with "database is locked").

    python bench/concurrency.py                      # SQLite in a temporary folder
    DATABASE_URL=postgres://… python bench/concurrency.py --servers 2 --workers 2
    python bench/concurrency.py --backup-scale 0     # skip the backup scenario
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def burst(urls: list[str], token: str, bodies: list[dict]) -> Counter:
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        futures = [
            pool.submit(post, urls[i % len(urls)], token, body)
            for i, body in enumerate(bodies)
        ]
        return Counter(f.result() for f in futures)


def serve(env: dict, count: int, workers: int) -> tuple[list, list[str]]:
    """Start `count` gunicorn servers; return them and their progress API URLs."""
    servers, urls = [], []
    for _ in range(count):
        port = free_port()
        servers.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "yuecheng_housing.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    str(workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
        )
        urls.append(f"http://127.0.0.1:{port}/api/v1/progress/")
    for url in urls:
        for _ in range(100):
            try:
                urllib.request.urlopen(url.replace("progress/", "units/"))
            except urllib.error.HTTPError:
                break  # 401: the server answers
            except OSError:
                time.sleep(0.1)
    return servers, urls


def writes_during_backup(env: dict, options: argparse.Namespace) -> bool:
    """Save values while `manage.py backup` runs; return whether every save worked."""
    work = Path(env["MEDIA_ROOT"]).parent / "backup-scenario"
    env = {
        **env,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
    }
    work.mkdir()
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_plan")
    # demo_data writes only under DEBUG; the servers below run without it.
    manage({**env, "DEBUG": "1"}, "demo_data", "--scale", str(options.backup_scale))
    manage(env, "add_user", "bench-writer", "--role", "admin", "--unit", "区建设局")
    token = manage(env, "api_token", "bench-writer")
    print(f"demo district ×{options.backup_scale}: {time.monotonic() - started:.0f} s")
    # The demo history runs to last month: this month is an open draft to save.
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    servers, urls = serve(env, options.servers, options.workers)
    statuses: Counter = Counter()
    slowest = 0.0
    done = threading.Event()

    def writer(n: int) -> None:
        nonlocal slowest
        while not done.is_set():
            body = {"indicator": 1, "unit": "区建设局", "period": month}
            body |= {"value": 30 + n, "confirm": True}
            begun = time.monotonic()
            statuses[post(urls[n % len(urls)], token, body)] += 1
            slowest = max(slowest, time.monotonic() - begun)
            time.sleep(0.2)

    try:
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # saves are flowing before the backup begins
        begun = time.monotonic()
        backup = subprocess.run(
            [PYTHON, "manage.py", "backup", "-o", str(work / "backup.tar.gz")],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        took = time.monotonic() - begun
        done.set()
        for thread in threads:
            thread.join()
    finally:
        done.set()
        for server in servers:
            server.terminate()
            server.wait()
    failed = sum(n for code, n in statuses.items() if code != 201)
    print(f"backup: {took:.1f} s, exit {backup.returncode} {backup.stdout.strip()}")
    print(
        f"saves during the backup:    {dict(sorted(statuses.items()))}, "
        f"{failed} failed, slowest {slowest:.1f} s"
    )
    return backup.returncode == 0 and failed == 0 and statuses[201] > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--backup-scale",
        type=int,
        default=3,
        help="demo district size for the backup scenario (0: skip it)",
    )
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "",
        "SECURE_COOKIES": "0",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_plan")
    manage(env, "add_user", "bench-admin", "--role", "admin", "--unit", "区建设局")
    token = manage(env, "api_token", "bench-admin")
    manage(env, "collectstatic", "--noinput", "-v0")

    servers, urls = serve(env, options.servers, options.workers)
    try:
        line = {"indicator": 4, "unit": "区建设局", "period": "2024-03"}
        updates = burst(urls, token, [{**line, "value": 100 + n} for n in range(200)])
        first = {"indicator": 6, "unit": "区建设局", "period": "2024-04"}
        firsts = burst(
            urls, token, [{**first, "value": n, "version": 0} for n in range(50)]
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(f"{database}, {options.servers} server(s) × {options.workers} workers")
    print(f"200 concurrent updates:     {dict(sorted(updates.items()))}")
    print(f"50 concurrent first writes: {dict(sorted(firsts.items()))}")
    ok = updates == Counter({201: 200}) and firsts[201] == 1 and firsts[409] == 49
    print("ok" if ok else "FAILED: expected 200 × 201, then 1 × 201 and 49 × 409")
    # SQLite only: its one write lock is what a backup could hold; PostgreSQL's
    # backup reads an MVCC snapshot that no writer waits for.
    if options.backup_scale and database == "sqlite":
        backup_ok = writes_during_backup(env, options)
        print("ok" if backup_ok else "FAILED: expected every save to be 201")
        ok = ok and backup_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
