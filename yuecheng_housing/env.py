"""Reading settings from the environment, strictly: a typo stops start-up with a
message naming the variable, instead of quietly meaning "off" (healthchecks does
the same)."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def envbool(name: str, default: str = "0") -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"环境变量 {name}={value!r} 无法识别：请写 1/0、true/false、yes/no 或 on/off。"
    )


def envint(name: str, default: int) -> int:
    value = os.getenv(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise ImproperlyConfigured(f"环境变量 {name}={value!r} 应为非负整数。")
    return int(value)


def envlist(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.getenv(name, default).split(",") if v.strip()]


def cache_from_url(url: str) -> dict:
    """Django's CACHES["default"] from CACHE_URL.

    redis://host:6379/0 (Django's own Redis backend, shared by every process and
    server), db://table_name (the database cache, after `createcachetable`),
    file://directory (shared by one machine's processes), or locmem:// (one
    process's memory: fine for tests, wrong for several workers).
    """
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "yuecheng",
        }
    if parts.scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or "yuecheng_cache"
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
        }
    if parts.scheme == "file":
        # file://var/cache (relative) or file:///var/cache: the processes of one
        # machine share it; `make run` uses it so the worker's progress shows.
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.path.abspath(parts.netloc + parts.path),
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(
        f"无法识别的 CACHE_URL：{parts.scheme}://… "
        "仅支持 redis://、db://表名、file://目录 和 locmem://。"
    )
