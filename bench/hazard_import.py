"""Time the 危房台账 import of one town's list: 1 000 rows and 4 900 rows.

    .venv/bin/python bench/hazard_import.py [--rows 1000 4900]

Builds a throwaway SQLite database with the plan and one town, writes a list of
`--rows` new cases in that town (all at different addresses, a third appraised
and a tenth remedied, as a real list runs), and prints the seconds
(time.perf_counter, wall time) of the full import: read, validate, look for
duplicate addresses and write through the service, audited. Each size starts
from an empty register, so the figures are comparable between runs and sizes.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = ["所属镇街", "房屋地址", "城乡类别", "发现时间", "鉴定日期", "鉴定等级",
        "整治方式", "整治完成日期", "是否困难家庭"]  # fmt: skip


def setup(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
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

    with connection.cursor() as cursor:
        # In memory, not off: the preview rolls back, which needs a journal.
        cursor.execute("PRAGMA journal_mode=MEMORY")
        cursor.execute("PRAGMA synchronous=OFF")
    call_command("migrate", verbosity=0)


def town_list(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("危房清单")
    sheet.append(HEAD)
    first = date(2023, 1, 1)
    for i in range(rows):
        found = first + timedelta(days=i % 300)
        appraised = i % 3 == 0
        remedied = i % 10 == 0
        sheet.append([
            "基准街道", f"基准路{i}号", "城镇" if i % 2 else "农村", found,
            found + timedelta(days=5) if appraised else None,
            "C" if appraised else None,
            "加固" if appraised and remedied else None,
            found + timedelta(days=30) if appraised and remedied else None,
            "否",
        ])  # fmt: skip
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 4900])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "bench.sqlite3")
        from django.contrib.auth import get_user_model

        from hazards.models import HazardCase
        from hazards.xlsx_import import hazard_list_import
        from indicators.plan_loader import plan_load
        from units.models import Unit

        plan_load()
        group = Unit.objects.get(name="各镇街")
        Unit.objects.create(name="基准街道", kind=Unit.Kind.TOWN, parent=group)
        user = get_user_model().objects.create(username="bench", is_superuser=True)
        for rows in args.rows:
            HazardCase.history.all().delete()
            HazardCase.objects.all().delete()
            content = town_list(rows)
            start = time.perf_counter()
            result = hazard_list_import(user=user, content=content, dry_run=False)
            elapsed = time.perf_counter() - start
            assert result.written and result.created == rows, (
                result.file_error,
                [(line.row, line.errors, line.warnings) for line in result.lines][:3],
            )
            print(f"危房台账导入 {rows:>5,} 行：{elapsed:6.1f} 秒")


if __name__ == "__main__":
    main()
