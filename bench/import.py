"""Time the import of a 20 000-row return against openpyxl's own read-only parse.

    .venv/bin/python bench/import.py [--rows 20000] [--submit] [--database URL]

Builds a throwaway SQLite database with the plan and enough town units (each
reports its share of 老旧小区, 未来社区 and 加装电梯 every month), writes one return
of about `--rows` rows, then reports in one run: openpyxl read-only parse rate of
that file (rows/s), our reader's rate, and the full import's rate (read, validate
and write through the services, audited), each with its ratio to the raw parse.
Times are this process's CPU time (SQLite runs inside it), steady on a shared
machine. `--submit` imports with 导入并报送 (every month of the file submitted
for review); `--database` runs against an empty database of your own (PostgreSQL:
its server's time is not this process's, so the import's wall time is printed too).
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUM_INDICATORS = (4, 6, 7)


def setup(db_path: Path, url: str = "") -> None:
    os.environ["DATABASE_URL"] = url or f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuecheng_housing.settings")
    import django
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.MEDIA_ROOT = db_path.parent / "media"
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # In memory, not off: the preview rolls back, which needs a journal.
            cursor.execute("PRAGMA journal_mode=MEMORY")
            cursor.execute("PRAGMA synchronous=OFF")
    call_command("migrate", verbosity=0)


def build_return(rows: int) -> bytes:
    from openpyxl import Workbook

    from units.models import Unit
    from yuecheng_housing.lib.periods import reporting_month

    months = []
    month = date(2023, 1, 1)
    while month <= reporting_month():
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    towns_needed = -(-rows // (len(SUM_INDICATORS) * len(months)))
    group = Unit.objects.get(name="各镇街")
    Unit.objects.bulk_create(
        Unit(name=f"基准街道{i}", kind=Unit.Kind.TOWN, parent=group, position=i)
        for i in range(towns_needed)
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("指标")
    sheet.append(
        ["指标编号", "指标名称", "计量单位", "填报单位", "期间", "本期数值", "说明"]
    )
    written = 0
    for i in range(towns_needed):
        for m, period in enumerate(months):
            for code in SUM_INDICATORS:
                sheet.append(
                    [code, "", "", f"基准街道{i}", f"{period:%Y-%m}", m + 1, ""]
                )
                written += 1
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue(), written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--submit", action="store_true")
    parser.add_argument("--database", default="", help="an empty database's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "bench.sqlite3", args.database)
        from django.contrib.auth import get_user_model
        from openpyxl import load_workbook

        from indicators.plan_loader import plan_load
        from reporting.returns_import import parse_return, return_run

        plan_load()
        user = get_user_model().objects.create(username="bench", is_superuser=True)
        data, rows = build_return(args.rows)

        # CPU time of this one process (SQLite works inside it), not wall time,
        # and the best of three for the two reads: on a shared machine another
        # process's load would otherwise move the ratios.
        raw = 0.0
        for _ in range(3):
            start = time.process_time()
            book = load_workbook(BytesIO(data), read_only=True)
            raw_rows = sum(1 for _ in book["指标"].iter_rows(values_only=True))
            raw = max(raw, raw_rows / (time.process_time() - start))

        read = 0.0
        for _ in range(3):
            start = time.process_time()
            parsed = parse_return(data, "bench.xlsx")
            read = max(read, len(parsed.lines) / (time.process_time() - start))
        assert not parsed.errors, parsed.errors[:3]

        start = time.process_time()
        preview = return_run(parsed=parsed, user=user, commit=False)
        previewed = time.process_time() - start + len(parsed.lines) / read
        assert not preview.errors, preview.errors[:3]

        start, wall = time.process_time(), time.perf_counter()
        result = return_run(parsed=parsed, user=user, commit=True, submit=args.submit)
        elapsed, wall = time.process_time() - start, time.perf_counter() - wall
        assert not result.errors, result.errors[:3]
        assert not result.submission_errors, result.submission_errors[:3]
        total = len(parsed.lines) / (elapsed + len(parsed.lines) / read)

        print(f"return of {rows:,} rows ({len(data) / 1024:.0f} KB)")
        print(f"openpyxl read-only parse: {raw:,.0f} rows/s")
        print(
            f"our reader (parse_return): {read:,.0f} rows/s ({read / raw:.0%} of raw)"
        )
        print(
            f"full import (read + services + audit"
            f"{', submitted' if args.submit else ''}): {total:,.0f} rows/s "
            f"({total / raw:.1%} of raw); the import took {wall:.1f} s of wall time"
        )
        print(f"preview (read, then the same services rolled back): {previewed:.1f} s")


if __name__ == "__main__":
    main()
