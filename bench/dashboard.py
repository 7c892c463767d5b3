"""Time the home page at 1× and 100× data against a trivial view, in one process.

    .venv/bin/python bench/dashboard.py [--runs 30] [--units 30]

Builds two throwaway SQLite databases: 1× has `--units` reporting units with
five years of monthly values for all 14 indicators (30 units: 25 200 values);
100× has a hundred times the units (2 520 000 values). Rows are inserted with
plain SQL for speed (this is test data, not a product write), then the district
figures are computed by the product's own service. Prints the median server time
of GET / at each size, each as a ratio to a trivial view served the same way.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(db_path: Path, units: int) -> int:
    from django.core.management import call_command
    from django.db import connection, transaction

    from indicators.models import Indicator
    from indicators.plan_loader import plan_load
    from reporting.district import district_values_refresh
    from units.models import Unit

    with connection.cursor() as cursor:
        # A throwaway file: durability buys nothing while it is being filled.
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
    call_command("migrate", verbosity=0)
    plan_load()
    group = Unit.objects.get(name="各镇街")
    Unit.objects.bulk_create(
        Unit(name=f"基准单位{i}", kind=Unit.Kind.TOWN, parent=group, position=i)
        for i in range(units)
    )
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="bench")
    unit_ids = list(Unit.objects.filter(parent=group).values_list("id", flat=True))
    periods = [date(y, m, 1) for y in range(2023, 2028) for m in range(1, 13)]
    indicator_ids = list(Indicator.objects.values_list("id", flat=True))
    now = "2026-01-01 00:00:00"
    with connection.cursor() as cursor, transaction.atomic():
        cursor.executemany(
            "INSERT INTO reporting_monthlyreport (unit_id, period, status,"
            " review_comment, version) VALUES (%s, %s, 'approved', '', 1)",
            [(u, p) for u in unit_ids for p in periods],
        )
        cursor.execute("SELECT id, period FROM reporting_monthlyreport")
        reports = cursor.fetchall()
        rows = (
            (r, i, (pos % 12) + 1, "", "", False, 1, now, user.pk)
            for pos, (r, _) in enumerate(reports)
            for i in indicator_ids
        )
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                _insert_values(cursor, batch)
                batch = []
        _insert_values(cursor, batch)
    district_values_refresh(indicator_ids=indicator_ids, periods=periods)
    return len(reports) * len(indicator_ids)


def _insert_values(cursor, batch) -> None:
    cursor.executemany(
        "INSERT INTO reporting_indicatorvalue (report_id, indicator_id, value, note,"
        " decrease_reason, needs_review, version, updated_at, updated_by_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        batch,
    )


def measure(runs: int) -> tuple[float, float]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="bench"))

    def median_ms(url: str) -> float:
        client.get(url)  # warm up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)

    return median_ms("/?year=2025"), median_ms("/bench/trivial/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--units", type=int, default=30)
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, factor in (("1×", 1), ("100×", 100)):
            db_path = Path(tmp) / f"bench-{factor}.sqlite3"
            os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuecheng_housing.settings")
            os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
            import django
            from django.conf import settings
            from django.db import connections

            if not settings.configured or not hasattr(main, "ready"):
                settings.ROOT_URLCONF = "bench.trivial_urls"
                # Hashed static names need collectstatic; they do not change timing.
                settings.STORAGES = {
                    **settings.STORAGES,
                    "staticfiles": {
                        "BACKEND": "django.contrib.staticfiles.storage."
                        "StaticFilesStorage"
                    },
                }
                django.setup()
                main.ready = True
            connections["default"].close()
            connections["default"].settings_dict["NAME"] = str(db_path)
            started = time.perf_counter()
            values = build(db_path, args.units * factor)
            built = time.perf_counter() - started
            home, trivial = measure(args.runs)
            results[label] = (values, home, trivial)
            print(
                f"{label:>5}: {values:>9,} values (built in {built:.0f} s); "
                f"GET / median {home:.1f} ms; trivial view {trivial:.2f} ms; "
                f"ratio {home / trivial:.1f}×",
                flush=True,
            )
            connections["default"].close()
    ratio = results["100×"][1] / results["1×"][1]
    print(f"home page at 100× / at 1×: {ratio:.2f}")


if __name__ == "__main__":
    main()
