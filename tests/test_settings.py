"""Start-up refuses a configuration it cannot run safely, with a clear message."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    # Not DEBUG, nor pytest-playwright's DJANGO_ALLOW_ASYNC_UNSAFE (a deploy error).
    unset = ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
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


def test_a_web_worker_is_prepared_before_its_first_request():
    # The start-up objects are frozen out of the collector's sweeps and the young
    # generation is swept less often (yuecheng_housing/startup.py).
    # And a page's first links find the URL tables built, in every namespace.
    probe = (
        "import gc, yuecheng_housing.wsgi\n"
        "from django.urls import reverse, resolvers\n"
        "from yuecheng_housing.startup import YOUNG_THRESHOLD\n"
        "built = []\n"
        "build = resolvers.URLResolver._populate\n"
        "def counted(self):\n"
        "    built.append(self)\n"
        "    build(self)\n"
        "resolvers.URLResolver._populate = counted\n"
        "reverse('admin:index'), reverse('dashboard:home'), reverse('api:units')\n"
        "print(gc.get_threshold()[0] == YOUNG_THRESHOLD, gc.get_freeze_count() > 10000,"
        " len(built))"
    )
    result = run_python(probe, SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "0"]


def test_defaults_are_chinese_and_shanghai():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "".join(chr(65 + (i * 7) % 26) for i in range(56)),
    "ALLOWED_HOSTS": "zhuyouyiju.example",
    "CSRF_TRUSTED_ORIGINS": "https://zhuyouyiju.example",
    "PROXY_COUNT": "1",
    "SSL_REDIRECT": "1",
    "HSTS_SECONDS": "31536000",
    "HSTS_INCLUDE_SUBDOMAINS": "1",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "1",
}


def test_the_readmes_production_values_pass_the_deploy_check():
    result = run_python(
        "import django; django.setup(); from django.core.management import "
        "call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing, warning",
    [
        ("EMAIL_HOST", "yuecheng.W001"),  # reminders would only reach the log
        ("CACHE_URL", "yuecheng.W002"),  # each worker would keep its own cache
        ("HSTS_SECONDS", "security.W004"),
        ("SSL_REDIRECT", "security.W008"),
    ],
)
def test_the_deploy_check_names_what_production_lacks(missing, warning):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_python(
        "import django; django.setup(); from django.core.management import "
        "call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')",
        **env,
    )
    assert result.returncode != 0 and warning in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [("DEBUG", "ture"), ("SECURE_COOKIES", "enabled"), ("EMAIL_PORT", "25a"),
     ("CACHE_URL", "memcached://x"), ("LOG_LEVEL", "LOUD")],
)  # fmt: skip
def test_a_typo_in_a_setting_stops_start_up_naming_it(name, value):
    result = run_python("import django; django.setup()", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr.strip().splitlines()[-1]


def test_cache_url_selects_a_shared_backend():
    result = run_python(
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
