"""WSGI entry point for gunicorn: `gunicorn yuecheng_housing.wsgi`."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from yuecheng_housing.startup import prepare_worker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuecheng_housing.settings")

application = get_wsgi_application()
prepare_worker()

if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "未设置 SECRET_KEY 环境变量：生产环境必须提供一个随机的长密钥"
        "（本地开发请设置 DEBUG=1）。"
    )
