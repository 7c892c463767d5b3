"""gunicorn settings for one application server: `gunicorn -c deploy/gunicorn.conf.py`.

Each server runs the same code against the same PostgreSQL, Redis cache and shared
MEDIA_ROOT; nginx spreads requests over them (deploy/nginx/yuecheng.conf).
"""

import multiprocessing
import os

wsgi_app = "yuecheng_housing.wsgi"
bind = os.getenv("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: pages are short database reads; 2 per core plus one.
workers = int(os.getenv("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# An Excel return of 10 MB is read in the request until imports move to the task
# worker; 120 s covers the documented limits with room to spare.
timeout = int(os.getenv("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.getenv("LOG_LEVEL", "info").lower()
# nginx on the same host is the only client; it sets X-Forwarded-*.
forwarded_allow_ips = os.getenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
