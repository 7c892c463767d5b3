"""Deploy checks (`manage.py check --deploy`) for what only production gets wrong."""

from django.conf import settings
from django.core import checks

PRINTING_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@checks.register(checks.Tags.security, deploy=True)
def mail_is_sent(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.EMAIL_BACKEND not in PRINTING_BACKENDS:
        return []
    return [
        checks.Warning(
            "邮件不会真正发出：EMAIL_BACKEND 为控制台/内存后端，到期提醒只会写进日志。",
            hint="设置 EMAIL_HOST（及 EMAIL_PORT、EMAIL_HOST_USER、"
            "EMAIL_HOST_PASSWORD、EMAIL_USE_TLS）以使用 SMTP。",
            id="yuecheng.W001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "缓存在每个进程的内存里：多个 gunicorn 进程或多台服务器之间，"
            "改名、改数后别的进程仍显示旧内容。",
            hint="设置 CACHE_URL=redis://主机:6379/0（或 db://表名）。",
            id="yuecheng.W002",
        )
    ]
