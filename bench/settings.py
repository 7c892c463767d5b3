"""The project's settings with bench/trivial_urls.py: a trivial view as yardstick."""

from yuecheng_housing.settings import *  # noqa: F403

ROOT_URLCONF = "bench.trivial_urls"
