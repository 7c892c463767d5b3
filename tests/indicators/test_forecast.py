"""The year-end forecast: plain numbers in, a forecast out (no database)."""

from datetime import date
from decimal import Decimal

from indicators.forecast import forecast_year_end, needed_text


def _months(year: int, *values: str) -> list[tuple[date, Decimal]]:
    return [(date(year, m, 1), Decimal(v)) for m, v in enumerate(values, 1)]


def test_no_forecast_before_three_months_of_data():
    points = _months(2024, "10", "12")
    assert forecast_year_end(year=2024, kind="cumulative", points=points) is None


def test_a_count_carries_on_the_years_average_monthly_increase():
    # From 150 last December: +10, +20, +0 → 10 a month on average.
    forecast = forecast_year_end(
        year=2024,
        kind="cumulative",
        points=_months(2024, "160", "180", "180"),
        previous=Decimal("150"),
        target=Decimal("180"),
    )
    assert forecast.value == Decimal("270")  # 180 + 10 × 9
    assert forecast.low == Decimal("180")  # the smallest month added nothing
    assert forecast.high == Decimal("360")  # the largest added 20
    assert forecast.needed_per_month == 0  # 180 already reached
    assert forecast.met_in == date(2024, 3, 1)
    assert forecast.will_meet is True
    assert "平均每月增加10" in forecast.method and "去年12月" in forecast.method


def test_without_last_december_a_count_starts_from_its_first_month():
    forecast = forecast_year_end(
        year=2023,
        kind="cumulative",
        points=_months(2023, "100", "104", "108", "112"),
        target=Decimal("150"),
        comparator="eq",
        unit="个",
        decimals=0,
    )
    assert forecast.value == Decimal("144")  # 112 + 4 × 8
    assert forecast.will_meet is False
    assert forecast.needed_per_month == Decimal("4.75")  # (150 − 112) ÷ 8
    assert needed_text(forecast.needed_per_month, 0) == "+5"  # rounded up: enough
    assert forecast.met_in == date(2024, 2, 1)  # 112 + 4 × 10 = 152
    assert "1月以来" in forecast.method


def test_a_strict_target_needs_more_than_the_figure():
    forecast = forecast_year_end(
        year=2026,
        kind="cumulative",
        points=_months(2026, "215", "216", "217"),
        previous=Decimal("214"),
        target=Decimal("220"),
        comparator="gt",
    )
    # 217 + 9 = 226 > 220; 220 itself is not enough: met at 221, in July.
    assert forecast.will_meet is True
    assert forecast.met_in == date(2026, 7, 1)


def test_a_count_never_projects_a_fall():
    forecast = forecast_year_end(
        year=2024,
        kind="cumulative",
        points=_months(2024, "100", "98", "97"),
        previous=Decimal("100"),
    )
    assert forecast.value == forecast.low == forecast.high == Decimal("97")


def test_a_rate_follows_the_recent_trend_and_stays_within_100():
    # Rising 2 points a month from 90: the line reaches 100 in August.
    points = _months(2024, "88", "90", "92", "94")
    forecast = forecast_year_end(
        year=2024, kind="rate", points=points, target=Decimal("100")
    )
    assert forecast.value == Decimal("100")  # 94 + 2 × 8 = 110, clamped
    assert forecast.high == Decimal("100")
    assert forecast.will_meet is True
    assert forecast.met_in == date(2024, 7, 1)
    assert "最近4个月" in forecast.method and "0—100%" in forecast.method


def test_a_level_uses_only_the_last_six_months():
    # An old jump in January and February does not steer the trend.
    points = _months(2025, "30", "36", "36", "36.1", "36.2", "36.3", "36.4", "36.5")
    forecast = forecast_year_end(
        year=2025, kind="level", points=points, target=Decimal("37")
    )
    assert forecast.months == 8
    assert abs(forecast.value - Decimal("36.9")) < Decimal("0.02")
    assert forecast.low <= forecast.value <= forecast.high
    assert forecast.will_meet is False
    assert forecast.needed_per_month == Decimal("0.125")  # (37 − 36.5) ÷ 4
    assert "水平值" in forecast.method and "最近6个月（3—8月）" in forecast.method


def test_the_forecast_lies_within_its_range_for_uneven_data():
    points = _months(2024, "3", "9", "10", "18", "18", "25")
    for kind in ("cumulative", "rate", "level"):
        forecast = forecast_year_end(
            year=2024, kind=kind, points=points, previous=Decimal("1")
        )
        assert forecast.low <= forecast.value <= forecast.high, kind


def test_december_in_leaves_nothing_needed_per_month():
    points = _months(2024, *[str(10 * m) for m in range(1, 13)])
    forecast = forecast_year_end(
        year=2024, kind="cumulative", points=points, target=Decimal("200")
    )
    assert forecast.value == Decimal("120")
    assert forecast.needed_per_month is None
    assert forecast.will_meet is False
    assert forecast.met_in == date(2025, 8, 1)  # 120 + 10 × 8 reaches 200
