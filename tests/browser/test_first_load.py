"""What a phone downloads: the home page served as in production (gunicorn, DEBUG off,
collectstatic with compressed, hashed static files), measured in Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

FIRST_VISIT = 600 * 1024
REPEAT_VISIT = 50 * 1024
LOGIN = """
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from units.services import user_save
user, _ = user_save(username="phone", role="official")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(s.session_key)
"""


@pytest.fixture
def production_server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "first-load-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    manage("migrate", "--noinput", "-v0")
    manage("load_plan")
    manage("collectstatic", "--noinput", "-v0")
    session = manage("shell", "--no-imports", "-c", LOGIN).strip()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yuecheng_housing.wsgi",
         "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz/")
            break
        except OSError:
            time.sleep(0.1)
    yield url, session
    server.terminate()
    server.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TRANSFERRED = """() => performance.getEntriesByType("navigation")
    .concat(performance.getEntriesByType("resource"))
    .reduce((sum, e) => sum + e.transferSize, 0)"""


def test_a_phone_downloads_little_first_and_almost_nothing_again(
    browser: Browser, production_server
):
    url, session = production_server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
    page = context.new_page()
    page.goto(f"{url}/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".js-plotly-plot").count() > 0  # the charts drew
    first = page.evaluate(TRANSFERRED)
    page.goto(f"{url}/")
    page.wait_for_load_state("networkidle")
    again = page.evaluate(TRANSFERRED)
    context.close()
    print(f"first visit {first / 1024:.0f} KB, repeat visit {again / 1024:.0f} KB")
    assert 0 < first <= FIRST_VISIT
    assert again <= REPEAT_VISIT
