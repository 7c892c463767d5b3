from django.core.management.base import BaseCommand, CommandError

from indicators.models import Indicator
from reporting.district import district_values_check, district_values_rebuild
from yuecheng_housing.lib.periods import period_label


class Command(BaseCommand):
    help = (
        "按各单位的填报值重算全区月度数值（派生表）；--check 只比对、不写入，"
        "有差异时以非零状态退出。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="只检查派生表与完整重算是否一致"
        )

    def handle(self, *args, **options) -> None:
        if options["check"]:
            mismatches = district_values_check()
            names = dict(Indicator.objects.values_list("id", "name"))
            for m in mismatches[:50]:
                self.stdout.write(
                    f"{names.get(m.indicator_id, m.indicator_id)} "
                    f"{period_label(m.period)}：表中 {m.stored}，应为 {m.expected}"
                )
            if mismatches:
                raise CommandError(
                    f"全区月度数值有{len(mismatches)}处与重算结果不一致；"
                    "运行 python manage.py rebuild_district_values 修复。"
                )
            self.stdout.write(self.style.SUCCESS("全区月度数值与完整重算一致。"))
            return
        count = district_values_rebuild()
        self.stdout.write(self.style.SUCCESS(f"已重算全区月度数值 {count} 条。"))
