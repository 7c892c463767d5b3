"""Time the heavy pages as users get them: gunicorn (2 workers, DEBUG off), logged in.

    DATABASE_URL=sqlite:///var/demo100.sqlite3 .venv/bin/python bench/pages.py

Point DATABASE_URL at a database filled by `demo_data --scale N` (SQLite or
PostgreSQL). For each page: the time of its first request (which computes what
the cache then keeps), the median server time of single requests, the requests
per second with 8 concurrent clients for a few seconds, and the size of the page;
a trivial view is timed the same way in the same run, as the yardstick.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/bench/trivial/",
    "/",
    "/ranking/?year=2025",
    "/notices/2025-06/",
    "/indicators/4/?year=2025",
    "/units/",
    "/units/{town}/?year=2025",
    "/api/v1/ranking/?year=2025",
    # The ledgers (项目台账): {town} is the town timed on the board, {project}
    # one of its 老旧小区改造 projects (the first by pk).
    "/projects/",
    "/projects/renovation/?year=2025",
    "/projects/renovation/?town={town}&late=on",
    "/projects/renovation/{project}/",
    "/screen/",
    "/api/v1/projects/?kind=renovation&limit=50",
]


def session_cookie(env: dict) -> tuple[str, str, str]:
    """Log a bench account in without a password form: a session made directly."""
    code = (
        "from django.contrib.auth import get_user_model, SESSION_KEY,"
        " BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from units.models import Unit\n"
        "user = get_user_model().objects.filter(is_superuser=True).first()\n"
        "if user is None:\n"
        "    user = get_user_model().objects.create_superuser('bench', '', None)\n"
        "s = SessionStore()\n"
        "s[SESSION_KEY] = str(user.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "s.create()\n"
        "town = Unit.objects.filter(kind='town').order_by('-pk').first()\n"
        "from projects.models import Project\n"
        "project = Project.objects.filter(town=town, kind='renovation')"
        ".order_by('pk').first()\n"
        "print(s.session_key, town.pk, project.pk if project else 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    key, town, project = out.stdout.split()
    return key, town, project


def get(port: int, path: str, cookie: str) -> tuple[int, int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, len(body), elapsed


def throughput(port: int, path: str, cookie: str, seconds: float) -> float:
    done, stop = [0], time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < stop:
            get(port, path, cookie)
            done[0] += 1

    threads = [threading.Thread(target=client) for _ in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--only", nargs="*", default=[], help="time only these pages (and trivial)"
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "API_RATE_LIMIT": "",
        "STATIC_ROOT": str(work / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    cookie, town, project = session_cookie(env)
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                get(port, "/bench/trivial/", cookie)
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"{'page':<28} {'status':>6} {'first s':>8} {'median s':>9} "
            f"{'req/s':>8} {'KB':>7}"
        )
        trivial_rate = None
        for page in PAGES:
            if options.only and page != PAGES[0] and page not in options.only:
                continue
            path = page.format(town=town, project=project)
            # The first visit after start-up computes what the cache then keeps.
            first = get(port, path, cookie)[2]
            runs = [get(port, path, cookie) for _ in range(options.runs)]
            status, size = runs[-1][0], runs[-1][1]
            median = statistics.median(r[2] for r in runs)
            rate = throughput(port, path, cookie, options.seconds)
            trivial_rate = trivial_rate or rate
            share = f"{100 * rate / trivial_rate:5.1f} %"
            print(
                f"{path:<28} {status:>6} {first:>8.3f} {median:>9.3f} {rate:>8.1f} "
                f"{size / 1024:>7.0f}  {share} of trivial",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
