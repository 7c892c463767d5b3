from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.boards import BoardSupervision, unit_board
from dashboard.ranking import (
    monthly_notice,
    notice_month,
    ranking_filtered,
    unit_ranking,
)
from dashboard.selectors import indicator_forecast, indicator_progress
from dashboard.serializers import (
    ForecastSerializer,
    IndicatorWithProgressSerializer,
    IssuedNoticeDetailSerializer,
    IssuedNoticeSerializer,
    NoticeSerializer,
    PlanInconsistencySerializer,
    PlanPassageSerializer,
    RankingPageSerializer,
    RankingQuerySerializer,
    SeriesPointSerializer,
    UnitBoardSerializer,
    YearQuerySerializer,
)
from documents.models import IssuedNotice
from indicators.forecast import TOO_FEW, needed_figure
from indicators.models import Indicator
from indicators.plan_document import plan_document
from indicators.selectors import indicator_list, plan_inconsistencies
from indicators.serializers import IndicatorSerializer
from reporting.models import DistrictValue
from supervision.selectors import unit_open_items
from units.models import Unit
from yuecheng_housing.lib.api_errors import error_responses
from yuecheng_housing.lib.api_fields import PERIOD_PATTERN, read_query
from yuecheng_housing.lib.api_pagination import StrictLimitOffsetPagination
from yuecheng_housing.lib.numbers import round_figure
from yuecheng_housing.lib.periods import period_label
from yuecheng_housing.lib.query import current_plan_year

INDICATOR_CODE = OpenApiParameter(
    "code", int, OpenApiParameter.PATH, description="指标序号"
)


class IndicatorListApi(APIView):
    """The 14 plan indicators with their targets; `?year=` adds that year's progress."""

    @extend_schema(
        summary="指标及各年目标（带 year 时含该年进度）",
        parameters=[YearQuerySerializer],
        responses={
            200: IndicatorWithProgressSerializer(many=True),
            **error_responses(400),
        },
        description="不带 year 时不含 progress 字段。",
    )
    def get(self, request: Request) -> Response:
        year = read_query(YearQuerySerializer, request).get("year")
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

    @extend_schema(
        summary="指标逐月的区级数值（已审核）",
        parameters=[INDICATOR_CODE],
        responses={200: SeriesPointSerializer(many=True), **error_responses(404)},
    )
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


class IndicatorForecastApi(APIView):
    """An indicator's year-end forecast from the year's approved monthly values."""

    @extend_schema(
        summary="指标年底预计：预计值、区间、每月还需、测算方法",
        parameters=[YearQuerySerializer, INDICATOR_CODE],
        responses={200: ForecastSerializer, **error_responses(400, 404)},
        description="累计数按当年月均增量推算，比率和水平值按最近几个月的线性趋势"
        "推算（比率限定在0—100）；当年已审核的数据不足3个月时 available 为 false。",
    )
    def get(self, request: Request, code: int) -> Response:
        year = read_query(YearQuerySerializer, request).get("year", current_plan_year())
        found = indicator_forecast(code=code, year=year)
        if found is None:
            raise NotFound(f"没有序号为{code}的指标。")
        indicator, verdict = found
        forecast = verdict.forecast
        data = {
            "code": indicator.code,
            "year": year,
            "available": forecast is not None,
            "status": verdict.progress.status,
            "status_label": verdict.progress.label,
            "final": verdict.progress.final,
            "unlikely": verdict.unlikely,
        }
        if forecast is None:
            data.update(
                basis=None, months=0, value=None, low=None, high=None,
                needed_per_month=None, met_in=None, will_meet=None,
                method=verdict.no_forecast or TOO_FEW,
            )  # fmt: skip
        else:
            data.update(
                basis=forecast.basis,
                months=forecast.months,
                # In the indicator's places, as the page and the Excel show them.
                value=round_figure(forecast.value, indicator.decimals),
                low=round_figure(forecast.low, indicator.decimals),
                high=round_figure(forecast.high, indicator.decimals),
                needed_per_month=None
                if forecast.needed_per_month is None
                else needed_figure(forecast.needed_per_month, indicator.decimals),
                met_in=forecast.met_in,
                will_meet=forecast.will_meet,
                method=forecast.method,
            )
        return Response(ForecastSerializer(data).data)


class UnitBoardApi(APIView):
    """A unit's key tasks, items with deadline states, indicators and returns."""

    @extend_schema(
        summary="单位任务看板：重点任务、事项状态、所报指标、逐月报送",
        parameters=[
            YearQuerySerializer,
            OpenApiParameter(
                "unit_id", int, OpenApiParameter.PATH, description="单位编号"
            ),
        ],
        responses={200: UnitBoardSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, unit_id: int) -> Response:
        year = read_query(YearQuerySerializer, request).get("year", current_plan_year())
        unit = Unit.objects.select_related("parent").filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(f"没有编号为{unit_id}的单位。")
        today = timezone.localdate()
        board = unit_board(unit=unit, year=year, today=today)
        # As on the board's page: its open items today, as far as the caller may
        # see them, with supervision's own lights.
        board.supervision = BoardSupervision(
            unit, unit_open_items(user=request.user, unit=unit, today=today)
        )
        return Response(UnitBoardSerializer(board).data)


class RankingApi(APIView):
    """The 晾晒 ranking of a year (or as of a month) with each unit's score parts
    and rank change, paged and filtered like the other lists."""

    @extend_schema(
        summary="晾晒排名：得分、分项、名次变化（分页，可按榜单、单位组、名次筛选）",
        parameters=[RankingQuerySerializer],
        responses={200: RankingPageSerializer, **error_responses(400, 404)},
        description="名次在各自榜单（区级部门；镇街及平台公司）的全部单位中排定，"
        "筛选和分页只挑出单位，不改变名次。尚未到来的月份、"
        "与 year 不在同一年的 month 没有排名（404）。",
    )
    def get(self, request: Request) -> Response:
        query = read_query(RankingQuerySerializer, request)
        today = timezone.localdate()
        month = query.get("month")
        year = query.get("year", month.year if month else current_plan_year())
        if month is not None and month.year != year:
            raise NotFound(f"{period_label(month)}不在{year}年内，没有这一排名。")
        if month is not None and month > today:
            raise NotFound(f"{period_label(month)}尚未到来，还没有该月的排名。")
        result = unit_ranking(year=year, today=today, month=month)
        ranked, apart = ranking_filtered(
            result,
            kind=query.get("list"),
            group_id=query["group"].pk if "group" in query else None,
            rank_min=query.get("rank_min"),
            rank_max=query.get("rank_max"),
        )
        paginator = StrictLimitOffsetPagination()
        page = paginator.paginate_queryset(ranked, request, view=self)
        data = {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": page,
            "year": result.year,
            "as_of": result.as_of,
            "weights": result.weights,
            "apart": apart,
        }
        return Response(RankingPageSerializer(data).data)


class NoticeApi(APIView):
    """The 通报 of a month: overdue items, late and missing returns, lagging
    indicators, best units. A month still to come has no notice (404)."""

    @extend_schema(
        summary="月度通报：逾期事项、迟报漏报、滞后指标、表现较好的单位",
        parameters=[
            OpenApiParameter(
                "period",
                str,
                OpenApiParameter.PATH,
                pattern=PERIOD_PATTERN,
                description="月份，如 2023-06",
            )
        ],
        responses={200: NoticeSerializer, **error_responses(404)},
    )
    def get(self, request: Request, period: str) -> Response:
        try:
            month = notice_month(period)
        except ValueError as e:
            raise NotFound(str(e)) from None
        return Response(NoticeSerializer(monthly_notice(period=month)).data)


class IssuedNoticeListApi(GenericAPIView):
    """The issued 通报, newest first (corrections and withdrawals included)."""

    pagination_class = StrictLimitOffsetPagination
    serializer_class = IssuedNoticeSerializer

    @extend_schema(
        summary="已签发的通报（含更正、撤销；分页）",
        responses={200: IssuedNoticeSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        rows = IssuedNotice.objects.select_related("replaces").order_by(
            "-year", "-number"
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(IssuedNoticeSerializer(page, many=True).data)


class IssuedNoticeApi(APIView):
    """One issued 通报 with its frozen content."""

    @extend_schema(
        summary="一期已签发的通报及其签发时的全部内容",
        parameters=[
            OpenApiParameter(
                "notice_id", int, OpenApiParameter.PATH, description="通报编号"
            )
        ],
        responses={200: IssuedNoticeDetailSerializer, **error_responses(404)},
    )
    def get(self, request: Request, notice_id: int) -> Response:
        notice = (
            IssuedNotice.objects.select_related("replaces").filter(pk=notice_id).first()
        )
        if notice is None:
            raise NotFound("没有这一期通报。")
        return Response(IssuedNoticeDetailSerializer(notice).data)


class PlanTextApi(APIView):
    """方案原文: the plan's full text as passages, with their anchors on /plan/."""

    @extend_schema(
        summary="方案原文（按段落与表格）",
        responses={200: PlanPassageSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        passages = plan_document().passages
        return Response(PlanPassageSerializer(passages, many=True).data)


class PlanInconsistencyApi(APIView):
    """Every inconsistency of the plan, both passages quoted, as on the page."""

    @extend_schema(
        summary="方案中的不一致之处",
        responses={200: PlanInconsistencySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = plan_inconsistencies()
        return Response(PlanInconsistencySerializer(found, many=True).data)
