"""Start-up refuses a configuration it cannot run safely, with a clear message."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG",)}
    environment.update(env, DJANGO_SETTINGS_MODULE="yuecheng_housing.settings")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("url", ["foo://x@localhost/db", "mysql://x@localhost/db"])
def test_unknown_database_scheme_stops_start_up(url):
    result = run_python("import django; django.setup()", DATABASE_URL=url)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message
    assert "DATABASE_URL" in message and "postgres://" in message


def test_postgres_url_selects_postgresql():
    result = run_python(
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/yuecheng",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_production_entry_point_refuses_the_development_key():
    env = {"SECRET_KEY": ""}
    result = run_python("import yuecheng_housing.wsgi", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    ok = run_python("import yuecheng_housing.wsgi", SECRET_KEY="x" * 50)
    assert ok.returncode == 0, ok.stderr


def test_defaults_are_chinese_and_shanghai():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ
