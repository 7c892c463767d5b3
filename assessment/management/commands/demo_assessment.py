"""Each demo year's 考核方案, after `demo_data` (which, lower in the layers, cannot
write them): `make run` runs both on a new database."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessment.models import Scheme
from assessment.services import scheme_save
from yuecheng_housing.lib.periods import PLAN_YEARS

# Set in March of each year, as the office would: departments on their items and
# returns; towns also on their own figures and the 危房 clocks.
DEMO_SCHEMES = {
    "departments": {"work": 60, "returns": 40},
    "towns": {"work": 30, "returns": 30, "indicators": 20, "hazards": 20},
}


class Command(BaseCommand):
    help = "写入演示用的各年度考核方案（先运行 demo_data）。"

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("演示数据仅用于本地演示：请在 DEBUG=1 时运行。")
        user = get_user_model().objects.filter(username="demo-data").first()
        if user is None:
            raise CommandError("请先运行 python manage.py demo_data。")
        if Scheme.objects.exists():
            self.stdout.write("已有考核方案，未写入演示方案。")
            return
        today = timezone.localdate()
        years = [y for y in PLAN_YEARS if y <= today.year]
        if not years:
            return  # before the plan: nothing to assess yet
        with transaction.atomic():
            for year in years:
                for list_kind, weights in DEMO_SCHEMES.items():
                    scheme_save(
                        year=year,
                        list_kind=list_kind,
                        weights=weights,
                        user=user,
                        today=min(date(year, 3, 1), today),
                    )
        self.stdout.write(
            self.style.SUCCESS(f"已写入{years[0]}—{years[-1]}年度演示考核方案。")
        )
