from django.utils import timezone
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import PLAN_YEARS
from indicators.years import current_plan_year
from units.boards import unit_board
from units.models import Unit
from units.ranking import monthly_notice, unit_ranking
from units.selectors import unit_list
from units.serializers import UnitSerializer
from yuecheng_housing.periods import current_month, format_period, parse_period


class UnitListApi(generics.ListAPIView):
    """Responsible units in roster order; groups have kind "group"."""

    serializer_class = UnitSerializer

    def get_queryset(self):
        return unit_list()


class UnitBoardApi(APIView):
    """A unit's key tasks, items with deadline states, indicators and returns."""

    def get(self, request: Request, unit_id: int) -> Response:
        unit = Unit.objects.select_related("parent").filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(f"没有编号为{unit_id}的单位。")
        raw = request.query_params.get("year", str(current_plan_year()))
        if not raw.isdigit() or int(raw) not in PLAN_YEARS:
            raise ValidationError(
                {"year": f"年份“{raw[:20]}”不在方案期（2023—2027年）内。"}
            )
        board = unit_board(unit=unit, year=int(raw), today=timezone.localdate())
        return Response(
            {
                "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind},
                "year": board.year,
                "key_tasks": [
                    {"number": t.number, "title": t.title, "role": role}
                    for t, role in board.tasks
                ],
                "items": [
                    {
                        "id": b.item.pk,
                        "text": b.item.text,
                        "deadline": b.item.deadline,
                        "deadline_label": b.item.deadline_label,
                        "role": b.role,
                        "status": b.own.status if b.own else None,
                        "completed_on": b.own.completed_on if b.own else None,
                        "lead_status": b.lead.status if b.lead else None,
                        "state": b.state,
                        "days_overdue": b.days_overdue,
                    }
                    for b in board.items
                ],
                "indicators": [
                    {"code": r.indicator.code, "status": r.progress.status}
                    for r in board.indicators
                ],
                "returns": [
                    {"period": format_period(m.period), "state": m.state}
                    for m in board.months
                ],
                "counts": board.counts,
            }
        )


def _score_json(s) -> dict:
    return {
        "rank": s.rank,
        "unit": s.unit.name,
        "unit_id": s.unit.pk,
        "score": s.score,
        "parts": s.parts,
        "change": s.change,
    }


class RankingApi(APIView):
    """The 晾晒 ranking of a year with each unit's score parts and rank change."""

    def get(self, request: Request) -> Response:
        raw = request.query_params.get("year", str(current_plan_year()))
        if not raw.isdigit() or int(raw) not in PLAN_YEARS:
            raise ValidationError(
                {"year": f"年份“{raw[:20]}”不在方案期（2023—2027年）内。"}
            )
        result = unit_ranking(year=int(raw), today=timezone.localdate())
        return Response(
            {
                "year": result.year,
                "as_of": result.as_of,
                "weights": result.weights,
                "ranked": [_score_json(s) for s in result.ranked],
                "apart": [s.unit.name for s in result.apart],
            }
        )


class NoticeApi(APIView):
    """The 通报 of a month: overdue items, late and missing returns, lagging
    indicators, best units."""

    def get(self, request: Request, period: str) -> Response:
        try:
            month = parse_period(period)
        except ValueError as e:
            raise NotFound(str(e)) from None
        if month.year not in PLAN_YEARS or month > current_month():
            raise NotFound(f"{period}不在方案期内或尚未到来。")
        draft = monthly_notice(period=month)
        return Response(
            {
                "period": format_period(month),
                "as_of": draft.as_of,
                "overdue_items": [
                    {
                        "unit": o["unit"].name,
                        "item": o["item"].text,
                        "deadline": o["item"].deadline,
                        "deadline_label": o["item"].deadline_label,
                        "days_overdue": o["days"],
                    }
                    for o in draft.overdue
                ],
                "returns_period": format_period(draft.returns_period),
                "late_returns": [u.name for u in draft.late],
                "missing_returns": [u.name for u in draft.missing],
                "indicators_behind": [
                    {"code": row.indicator.code, "status": status}
                    for row, status in draft.behind
                ],
                "best_units": [_score_json(s) for s in draft.best],
            }
        )
