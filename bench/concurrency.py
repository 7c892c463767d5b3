"""Concurrent writes through the API, as units' systems and a busy month-end make them.

Starts SERVERS gunicorn servers with WORKERS workers each on one database, then:
- 200 concurrent updates of one value (no version: the last writer wins), and
- 50 concurrent first writes of a value nobody has stored ("version": 0: exactly one
  may win, the others must be told 409),
and prints the status codes. Any 500 is a failure (exit 1).

    python bench/concurrency.py                      # SQLite in a temporary folder
    DATABASE_URL=postgres://… python bench/concurrency.py --servers 2 --workers 2
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
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

    servers, urls = [], []
    for _ in range(options.servers):
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
                    str(options.workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
        )
        urls.append(f"http://127.0.0.1:{port}/api/v1/progress/")
    try:
        for url in urls:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url.replace("progress/", "units/"))
                except urllib.error.HTTPError:
                    break  # 401: the server answers
                except OSError:
                    time.sleep(0.1)
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
