"""Import a province-sized return through the web page, as an admin would.

    .venv/bin/python bench/import_web.py [--rows 49000]

Builds a throwaway SQLite database with the plan and enough town units, writes one
return of about `--rows` rows (bench/import.py's builder), serves the project with
gunicorn (DEBUG off, its 30 s request timeout) beside `manage.py db_worker`, then
uploads the file to /imports/, polls the page's progress until the preview is
ready, confirms, and polls until it is imported. Prints how long each step took
and the progress the page showed on the way.
"""

import argparse
import http.client
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int, session: str) -> None:
        self.port, self.cookies = port, {"sessionid": session}

    def request(self, method: str, path: str, body=b"", headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body, {"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.getheader("Location", ""), data

    def csrf(self, path: str) -> str:
        status, location, page = self.request("GET", path)
        assert status == 200, (status, location, page[:300])
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[
            1
        ].decode()

    def upload(self, name: str, data: bytes) -> str:
        token, boundary = self.csrf("/imports/"), uuid.uuid4().hex
        head = f"--{boundary}\r\nContent-Disposition: form-data; name="
        body = (
            f'{head}"csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'{head}"files"; filename="{name}"\r\n\r\n'
        ).encode()
        body += data + f"\r\n--{boundary}--\r\n".encode()
        status, location, _ = self.request(
            "POST",
            "/imports/",
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": f"http://127.0.0.1:{self.port}/imports/",
            },
        )
        assert status == 302, status
        return urllib.parse.urlsplit(location).path

    def commit(self, batch: str) -> None:
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.csrf(batch), "action": "commit"}
        ).encode()
        status, _, _ = self.request(
            "POST",
            batch,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{batch}",
            },
        )
        assert status == 302, status

    def wait(self, batch: str) -> tuple[float, list[str], dict]:
        started, seen = time.perf_counter(), []
        while True:
            _, _, data = self.request("GET", batch + "progress/")
            state = json.loads(data)
            (file,) = state["files"]
            seen.append(f"{file['percent']}%")
            if not state["working"]:
                return time.perf_counter() - started, seen, file
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=49_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "CACHE_URL": f"file://{tmp}/cache",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "SECURE_COOKIES": "0",
            "MEDIA_ROOT": f"{tmp}/media",
            "STATIC_ROOT": f"{tmp}/static",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        spec = importlib.util.spec_from_file_location(
            "import_bench", ROOT / "bench" / "import.py"
        )
        builder = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(builder)
        builder.setup(Path(tmp) / "bench.sqlite3")
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            get_user_model,
        )
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import connection

        from indicators.plan_loader import plan_load

        plan_load()
        data, rows = builder.build_return(args.rows)
        user = get_user_model().objects.create_superuser("bench", "", None)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        connection.close()

        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "yuecheng_housing.wsgi",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "-v0",
             "--no-startup-delay", "--interval", "0.5"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            client = Client(port, session.session_key)
            for _ in range(100):
                try:
                    client.request("GET", "/healthz/")
                    break
                except OSError:
                    time.sleep(0.2)
            print(f"return of {rows:,} rows ({len(data) / 1024:.0f} KB)")
            started = time.perf_counter()
            batch = client.upload("全省报表.xlsx", data)
            print(f"upload answered in {time.perf_counter() - started:.2f} s")
            seconds, seen, file = client.wait(batch)
            print(
                f"preview ({file['status']}): {seconds:.1f} s, "
                f"progress seen: {' '.join(dict.fromkeys(seen))}"
            )
            client.commit(batch)
            seconds, seen, file = client.wait(batch)
            print(
                f"import ({file['status']}): {seconds:.1f} s, {file['written']:,} "
                f"rows written, progress seen: {' '.join(dict.fromkeys(seen))}"
            )
        finally:
            worker.terminate()
            server.terminate()
            worker.wait()
            server.wait()


if __name__ == "__main__":
    main()
