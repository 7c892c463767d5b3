"""The score's rule on plain rows: no database."""

from assessment.scoring import grade_for, rank_rows, score_row


def row(unit, parts, adjustments=(), kind="departments"):
    return {
        "unit_id": unit,
        "unit": str(unit),
        "list": kind,
        "parts": {
            key: {"label": key, "weight": w, "share": s}
            for key, (w, s) in parts.items()
        },
        "adjustments": [{"kind": k, "points": p} for k, p in adjustments],
        "corrections": [],
    }


def test_the_worked_example_of_the_readme():
    # Returns 30 × 11/12, items 40 × 4/5, indicators 30 × 1.5/2; +2 典型示范,
    # −1 通报批评: 27.5 + 32 + 22.5 = 82, total 83, 良好.
    r = row(
        1,
        {"returns": (30, 11 / 12), "work": (40, 0.8), "indicators": (30, 0.75)},
        [("bonus", 2.0), ("deduction", 1.0)],
    )
    score_row(r)
    assert [r["parts"][k]["points"] for k in ("returns", "work", "indicators")] == [
        27.5,
        32.0,
        22.5,
    ]
    assert (r["base"], r["total"], r["grade"]) == (82.0, 83.0, "良好")


def test_a_part_that_does_not_apply_drops_out_and_the_rest_make_100():
    r = row(1, {"returns": (30, 1.0), "work": (40, None), "indicators": (30, 0.5)})
    score_row(r)
    # (30 × 1 + 30 × 0.5) × 100 / 60
    assert r["base"] == 75.0 and r["parts"]["work"]["points"] is None
    assert r["parts"]["returns"]["points"] + r["parts"]["indicators"]["points"] == 75


def test_a_veto_is_the_lowest_grade_and_ranks_last_whatever_the_score():
    best = row(1, {"returns": (100, 1.0)}, [("veto", 0)])
    other = row(2, {"returns": (100, 0.7)})
    none = row(3, {"returns": (100, None)})
    rows = [best, other, none]
    for r in rows:
        score_row(r)
    rank_rows(rows)
    assert best["total"] == 100 and best["grade"] == "不合格"
    assert [r["unit_id"] for r in rows] == [2, 1, 3]
    assert (other["rank"], best["rank"], none["rank"]) == (1, 2, None)
    assert none["grade"] == "不参与考核"


def test_grades_and_ties():
    assert [grade_for(t, vetoed=False) for t in (90, 89.99, 80, 60, 59.9)] == [
        "优秀", "良好", "良好", "合格", "不合格",
    ]  # fmt: skip
    rows = [row(u, {"returns": (100, s)}) for u, s in ((1, 0.9), (2, 0.9), (3, 0.5))]
    for r in rows:
        score_row(r)
    rank_rows(rows)
    assert [r["rank"] for r in rows] == [1, 1, 3]
