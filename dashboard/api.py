from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.boards import unit_board
from dashboard.ranking import monthly_notice, notice_month, unit_ranking
from dashboard.selectors import indicator_progress
from dashboard.serializers import IndicatorWithProgressSerializer, SeriesPointSerializer
from indicators.models import Indicator
from indicators.selectors import indicator_list
from indicators.serializers import IndicatorSerializer
from reporting.models import DistrictValue
from units.models import Unit
from yuecheng_housing.lib.periods import (
    format_period,
)
from yuecheng_housing.lib.query import current_plan_year, parse_plan_year


def _year_param(request: Request, default: int | None = None) -> int | None:
    """Return `?year=` as a plan year (400 with a Chinese message if it is not)."""
    raw = request.query_params.get("year")
    if raw is None:
        return default
    try:
        return parse_plan_year(raw)
    except ValueError as e:
        raise ValidationError({"year": str(e)}) from None


class IndicatorListApi(APIView):
    """The 14 plan indicators with their targets; `?year=` adds that year's progress."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="2023—2027")],
        responses=IndicatorWithProgressSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        year = _year_param(request)
        if year is None:
            return Response(IndicatorSerializer(indicator_list(), many=True).data)
        rows = indicator_progress(year=year)
        # The list carries all five targets: swap in indicators with them prefetched.
        full = {i.pk: i for i in indicator_list()}
        for row in rows:
            row.indicator = full[row.indicator.pk]
        return Response(IndicatorWithProgressSerializer(rows, many=True).data)


class IndicatorSeriesApi(APIView):
    """An indicator's approved monthly district values across the plan."""

    @extend_schema(responses=SeriesPointSerializer(many=True))
    def get(self, request: Request, code: int) -> Response:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise NotFound(f"没有序号为{code}的指标。")
        points = DistrictValue.objects.filter(
            indicator=indicator, value__isnull=False
        ).order_by("period")
        data = [
            {"period": p.period, "value": p.value, "unit": indicator.unit}
            for p in points
        ]
        return Response(SeriesPointSerializer(data, many=True).data)


class UnitBoardApi(APIView):
    """A unit's key tasks, items with deadline states, indicators and returns."""

    def get(self, request: Request, unit_id: int) -> Response:
        unit = Unit.objects.select_related("parent").filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(f"没有编号为{unit_id}的单位。")
        year = _year_param(request, default=current_plan_year())
        board = unit_board(unit=unit, year=year, today=timezone.localdate())
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
                    {"period": format_period(m.period), "state": m.code}
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
        year = _year_param(request, default=current_plan_year())
        result = unit_ranking(year=year, today=timezone.localdate())
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
            month = notice_month(period)
        except ValueError as e:
            raise NotFound(str(e)) from None
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
                "sent_back_returns": [u.name for u in draft.sent_back],
                "indicators_behind": [
                    {"code": row.indicator.code, "status": status}
                    for row, status in draft.behind
                ],
                "best_units": [_score_json(s) for s in draft.best],
            }
        )
