"""Replay the demo years: forecast each year end from January–June, compare with
the actual December figure, beside a naive forecast (June's value stays).

    .venv/bin/python bench/forecast_backtest.py     # builds a demo database
    DATABASE_URL=sqlite:///var/db.sqlite3 \
        .venv/bin/python bench/forecast_backtest.py --existing

Without `--existing` it builds a throwaway SQLite database with `migrate`,
`load_plan` and `demo_data` (about a minute), so it measures exactly what
`make run` shows. Only years whose December is approved are replayed. The
forecast is the product's own (`indicators.verdict.assess`), fed the
approved values a meeting would have had on 30 June.

Prints, per indicator, the mean absolute error (in the indicator's unit) of both
forecasts over the replayed years, then over everything the mean absolute error
relative to the actual year end (units differ between indicators).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(db_path: Path) -> None:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{db_path}"}
    for command in (["migrate", "-v0"], ["load_plan"], ["demo_data"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def replay() -> list[tuple]:
    """Return (indicator, year, actual, forecast, naive) for each replayed year."""
    from indicators.models import Indicator, Target
    from indicators.verdict import assess
    from reporting.models import DistrictValue

    approved: dict[int, list[tuple[date, Decimal]]] = {}
    for indicator_id, period, value in (
        DistrictValue.objects.filter(value__isnull=False)
        .order_by("period")
        .values_list("indicator_id", "period", "value")
    ):
        approved.setdefault(indicator_id, []).append((period, value))
    targets: dict[int, dict[int, Target]] = {}
    for t in Target.objects.all():
        targets.setdefault(t.indicator_id, {})[t.year] = t
    results = []
    for indicator in Indicator.objects.order_by("code"):
        series = dict(approved.get(indicator.pk, []))
        for year in sorted({p.year for p in series}):
            actual = series.get(date(year, 12, 1))
            june = series.get(date(year, 6, 1))
            if actual is None or june is None:
                continue
            forecast = assess(
                indicator=indicator,
                year=year,
                targets=targets.get(indicator.pk, {}),
                approved=sorted(series.items()),
                as_of=date(year, 6, 30),
                threshold=Decimal("0.1"),
            ).forecast
            if forecast is None:
                continue
            results.append((indicator, year, actual, forecast.value, june))
    return results


def report(results: list[tuple]) -> None:
    print(f"{'指标':<24}{'年份':<16}{'预测 MAE':>12}{'“最新值” MAE':>14}")
    by_indicator: dict = {}
    for indicator, year, actual, forecast, naive in results:
        by_indicator.setdefault(indicator, []).append((year, actual, forecast, naive))
    for indicator, rows in by_indicator.items():
        mae = sum(abs(f - a) for _, a, f, _ in rows) / len(rows)
        naive = sum(abs(n - a) for _, a, _, n in rows) / len(rows)
        years = f"{rows[0][0]}–{rows[-1][0]}"
        print(
            f"{indicator.code:>2} {indicator.name[:20]:<22}{years:<16}"
            f"{mae:>12.4f}{naive:>14.4f}  {indicator.unit}"
        )
    relative = [
        (abs(f - a) / abs(a), abs(n - a) / abs(a)) for _, _, a, f, n in results if a
    ]
    forecast_rel = 100 * sum(r[0] for r in relative) / len(relative)
    naive_rel = 100 * sum(r[1] for r in relative) / len(relative)
    wins = sum(1 for _, _, a, f, n in results if abs(f - a) < abs(n - a))
    ties = sum(1 for _, _, a, f, n in results if abs(f - a) == abs(n - a))
    print(
        f"\n{len(results)} indicator-years replayed; mean absolute error relative to "
        f"the actual year end: forecast {forecast_rel:.2f} %, last value "
        f"{naive_rel:.2f} %; forecast closer in {wins}, tied in {ties}, "
        f"further in {len(results) - wins - ties}."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--existing",
        action="store_true",
        help="replay the database DATABASE_URL names instead of building one",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.existing:
            db_path = Path(tmp) / "backtest.sqlite3"
            print("building the demo database…", flush=True)
            build(db_path)
            os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuecheng_housing.settings")
        import django

        django.setup()
        report(replay())


if __name__ == "__main__":
    main()
