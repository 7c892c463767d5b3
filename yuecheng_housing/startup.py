"""What a web worker does once, after loading the application and before its
first request (yuecheng_housing/wsgi.py, bench/wsgi.py)."""

import gc

from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

# The collector's first generation is swept after this many new objects instead
# of Python's 700. Working out a year at province scale makes millions of small,
# short-lived objects (a unit's facts, a row's verdict) that are freed by
# reference counting anyway; sweeping every 700 of them cost a fifth of the
# 驾驶舱's first second. Cycles are still found, a little later.
YOUNG_THRESHOLD = 50_000


def prepare_worker() -> None:
    # Build the URL resolvers' reverse tables now, every app's namespace: the
    # first page would otherwise build them for each app its navigation links to
    # (0.1–0.2 s), and gunicorn starts a new worker every couple of thousand
    # requests (deploy/gunicorn.conf.py).
    _build_reverse_tables(get_resolver())
    # What is loaded by now (modules, settings, templates' machinery) lives as
    # long as the worker: frozen, the collector's full sweeps no longer walk it.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def _build_reverse_tables(resolver: URLResolver, path: str = "") -> None:
    # Reversing a name in a namespace builds a resolver of its own for the
    # namespace (django.urls.resolvers.get_ns_resolver, kept per process) and
    # its tables; a name that is not there builds them all the same.
    resolver.reverse_dict  # noqa: B018 - reading it builds it
    for namespace, (_, included) in resolver.namespace_dict.items():
        try:
            reverse(f"{path}{namespace}:-")
        except NoReverseMatch:
            pass
        _build_reverse_tables(included, f"{path}{namespace}:")
