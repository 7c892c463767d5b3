"""What a web worker does once, after loading the application and before its
first request (yuecheng_housing/wsgi.py, bench/wsgi.py)."""

import gc

from django.urls import reverse

# The collector's first generation is swept after this many new objects instead
# of Python's 700. Working out a year at province scale makes millions of small,
# short-lived objects (a unit's facts, a row's verdict) that are freed by
# reference counting anyway; sweeping every 700 of them cost a fifth of the
# 驾驶舱's first second. Cycles are still found, a little later.
YOUNG_THRESHOLD = 50_000


def prepare_worker() -> None:
    # Build the URL resolver's reverse tables now: the first page that links
    # anywhere would otherwise spend a fifth of a second on them.
    reverse("dashboard:home")
    # What is loaded by now (modules, settings, templates' machinery) lives as
    # long as the worker: frozen, the collector's full sweeps no longer walk it.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
