"""gunicorn entry point for the benchmarks (bench.settings)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()
# Build the URL resolver's reverse tables at start-up: the first page that links
# anywhere would otherwise spend a fifth of a second on them.
reverse("dashboard:home")
