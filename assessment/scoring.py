"""How a unit's parts, bonuses, deductions and 一票否决 make its score, grade and
rank: plain data in, plain data out (no ORM), so that the live computation and
a correction of a published result run the same rule.

A row is the dict stored in a result's snapshot (selectors.assessment_snapshot):
`parts` {key: {weight, share, ...}}, `adjustments` [{kind, points, ...}].
"""

# Lowest score of each grade, best first; below the last is 不合格.
GRADES = ((90, "优秀"), (80, "良好"), (60, "合格"))
LOWEST_GRADE = "不合格"
NOT_ASSESSED = "不参与考核"
LIST_ORDER = ("departments", "towns")  # as the ranking's lists


def grade_for(total: float | None, *, vetoed: bool) -> str:
    """The grade of a total; a 一票否决 is the lowest whatever the score."""
    if vetoed:
        return LOWEST_GRADE
    if total is None:
        return NOT_ASSESSED
    for lowest, grade in GRADES:
        if total >= lowest:
            return grade
    return LOWEST_GRADE


def score_row(row: dict) -> None:
    """Fill a row's points, base, bonus, deduction, total and grade.

    The base is 100 × Σ weight × share ÷ Σ weight of the parts that apply: a part
    that does not apply to the unit (nothing due; a town without a split target)
    drops out and the others keep their proportions, as in the 晾晒. Each part's
    points are its contribution to the base, so that they add up to it.
    """
    applying = {
        key: p
        for key, p in row["parts"].items()
        if p["share"] is not None and p["weight"] > 0
    }
    weight = sum(p["weight"] for p in applying.values())
    for key, p in row["parts"].items():
        p["points"] = (
            round(p["weight"] * p["share"] * 100 / weight, 2)
            if key in applying
            else None
        )
    base = (
        round(
            sum(p["weight"] * p["share"] for p in applying.values()) * 100 / weight, 2
        )
        if weight
        else None
    )
    row["base"] = base
    row["bonus"] = sum(a["points"] for a in row["adjustments"] if a["kind"] == "bonus")
    row["deduction"] = sum(
        a["points"] for a in row["adjustments"] if a["kind"] == "deduction"
    )
    # Corrections may set the bonus or deduction of a published row outright.
    row["bonus"] = row.get("bonus_corrected", row["bonus"])
    row["deduction"] = row.get("deduction_corrected", row["deduction"])
    row["vetoed"] = row.get(
        "veto_corrected", any(a["kind"] == "veto" for a in row["adjustments"])
    )
    row["total"] = (
        None if base is None else round(base + row["bonus"] - row["deduction"], 2)
    )
    row["grade"] = grade_for(row["total"], vetoed=row["vetoed"])


def rank_rows(rows: list[dict]) -> None:
    """Rank within each list, and order the rows so: by total, ties sharing a
    place (1, 2, 2, 4); a unit with a 一票否决 after every other; a unit with no
    part that applies unranked, at the end of its list."""
    for kind in {row["list"] for row in rows}:
        ranked = sorted(
            (r for r in rows if r["list"] == kind and r["total"] is not None),
            key=lambda r: (r["vetoed"], -r["total"]),
        )
        previous, place = None, 0
        for index, row in enumerate(ranked, 1):
            if (row["vetoed"], row["total"]) != previous:
                place, previous = index, (row["vetoed"], row["total"])
            row["rank"] = place
        for row in rows:
            if row["list"] == kind and row["total"] is None:
                row["rank"] = None
    rows.sort(
        key=lambda r: (LIST_ORDER.index(r["list"]), r["rank"] is None, r["rank"] or 0)
    )
