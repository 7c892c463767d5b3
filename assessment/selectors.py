"""Reads of the year-end assessment: the live computation (before publication)
and the published, frozen result, in one shape (the snapshot's)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from assessment.models import (
    Adjustment,
    AssessmentResult,
    Correction,
    ListKind,
    Objection,
    Scheme,
)
from assessment.parts import PARTS, Context
from assessment.scoring import rank_rows, score_row
from dashboard.ranking import list_of, load_year, ranking_day
from units.models import Unit


def schemes_of(year: int) -> dict[str, Scheme]:
    return {s.list_kind: s for s in Scheme.objects.filter(year=year)}


def _adjustment_row(a: Adjustment) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "category": a.get_category_display(),
        "points": float(a.points),
        "reason": a.reason,
        "evidence": a.evidence,
    }


def assessment_snapshot(*, year: int, today: date | None = None) -> dict:
    """Compute every unit's assessment for a year from the ranking's facts, as of
    the day the ranking is (today, or 6 January once the year is over).

    Returns plain data (JSON-ready): what publishing freezes and what every page
    and export prints, published or not. A fixed number of queries: the year's
    data (dashboard.ranking.load_year), the schemes and the adjustments.
    """
    today = today or timezone.localdate()
    data = load_year(year)
    context = Context(data=data, as_of=ranking_day(data, today))
    schemes = schemes_of(year)
    adjustments: dict[int, list[dict]] = {}
    for a in Adjustment.objects.filter(year=year).order_by("pk"):
        adjustments.setdefault(a.unit_id, []).append(_adjustment_row(a))
    rows = []
    for unit in data.units:
        kind = list_of(unit)
        scheme = schemes.get(kind)
        weights = scheme.weights if scheme else {}
        parts = {}
        for key, weight in weights.items():
            part = PARTS.get(key)
            if part is None or not weight:
                continue  # a part no longer registered, or weighed at nothing
            score = part.function(context, unit)
            parts[key] = {
                "label": part.label,
                "short": part.short,
                "weight": float(weight),
                "share": None if score.share is None else round(score.share, 4),
                "summary": score.summary,
                "facts": [
                    {"label": f.label, "value": f.value, "url": f.url}
                    for f in score.facts
                ],
            }
        row = {
            "unit_id": unit.pk,
            "unit": unit.name,
            "list": kind,
            "list_title": ListKind(kind).label,
            "parts": parts,
            "adjustments": adjustments.get(unit.pk, []),
            "corrections": [],
        }
        score_row(row)
        rows.append(row)
    rank_rows(rows)
    return {
        "year": year,
        "as_of": context.as_of.isoformat(),
        "schemes": {
            kind: {
                "weights": {k: float(w) for k, w in s.weights.items() if w},
            }
            for kind, s in schemes.items()
        },
        "parts": {key: {"label": p.label, "rule": p.rule} for key, p in PARTS.items()},
        "rows": rows,
    }


@dataclass
class AssessmentTable:
    year: int
    snapshot: dict
    result: AssessmentResult | None
    missing_schemes: list[str] = field(default_factory=list)  # list labels
    open_objections: int = 0

    @property
    def published(self) -> bool:
        return self.result is not None

    @property
    def lists(self) -> list[tuple[str, str, list[dict]]]:
        """(kind, title, rows) of each list with any unit in it, with the keys of
        the parts its scheme weighs."""
        return [
            (kind, title, rows)
            for kind, title in ListKind.choices
            if (rows := [r for r in self.snapshot["rows"] if r["list"] == kind])
        ]

    def part_keys(self, kind: str) -> list[str]:
        weights = self.snapshot["schemes"].get(kind, {}).get("weights", {})
        return [k for k in weights if weights[k]]


def assessment_table(*, year: int, today: date | None = None) -> AssessmentTable:
    """The year's table: the published result as frozen, or else the live
    computation (试算) on today's data."""
    result = AssessmentResult.objects.filter(year=year).first()
    if result is not None:
        return AssessmentTable(
            year=year,
            snapshot=result.snapshot,
            result=result,
            open_objections=Objection.objects.filter(
                result=result, answered_at__isnull=True
            ).count(),
        )
    snapshot = assessment_snapshot(year=year, today=today)
    return AssessmentTable(
        year=year,
        snapshot=snapshot,
        result=None,
        missing_schemes=[
            label
            for kind, label in ListKind.choices
            if kind not in snapshot["schemes"]
            and any(r["list"] == kind for r in snapshot["rows"])
        ],
    )


def objection_deadline(result: AssessmentResult) -> date:
    """The last day a unit may object to a published result (inclusive)."""
    return result.published_on + timedelta(days=result.objection_days)


@dataclass
class UnitSheet:
    table: AssessmentTable
    unit: Unit
    row: dict | None  # None: the unit is not assessed this year
    objections: list[Objection]
    corrections: list[Correction]

    @property
    def deadline(self) -> date | None:
        return objection_deadline(self.table.result) if self.table.result else None


def unit_sheet(*, year: int, unit: Unit, today: date | None = None) -> UnitSheet:
    table = assessment_table(year=year, today=today)
    row = next((r for r in table.snapshot["rows"] if r["unit_id"] == unit.pk), None)
    objections, corrections = [], []
    if table.result is not None:
        objections = list(
            Objection.objects.filter(result=table.result, unit=unit).select_related(
                "filed_by", "answered_by"
            )
        )
        corrections = list(
            Correction.objects.filter(result=table.result, unit=unit).select_related(
                "made_by"
            )
        )
    return UnitSheet(
        table=table,
        unit=unit,
        row=row,
        objections=objections,
        corrections=corrections,
    )


def weights_total(weights: dict[str, Decimal]) -> Decimal:
    return sum(weights.values(), Decimal(0))
