"""gunicorn entry point for the benchmarks (bench.settings)."""

import os

from django.core.wsgi import get_wsgi_application

from yuecheng_housing.startup import prepare_worker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()
prepare_worker()
