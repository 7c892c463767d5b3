from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.plan_loader import FIXTURES_DIR, PlanFixtureError, plan_load
from reporting.district import district_values_follow_roster


class Command(BaseCommand):
    help = "载入方案原文（fixtures/）：单位、任务、指标与目标、工作清单。可重复运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixtures",
            type=Path,
            default=FIXTURES_DIR,
            help="方案数据目录（默认为项目的 fixtures/）",
        )

    def handle(self, *args, **options) -> None:
        try:
            # A responsibility or member added to a database with returns changes
            # who reports what: the figures it affects are rebuilt with the load.
            with district_values_follow_roster():
                report = plan_load(fixtures_dir=options["fixtures"])
        except PlanFixtureError as e:
            raise CommandError(f"方案数据有误，未写入任何内容：{e}") from e
        for label, count in report.created.items():
            self.stdout.write(f"新增{label} {count} 条")
        for difference in report.differences:
            self.stdout.write(self.style.WARNING(difference))
        if not report.changed_anything:
            self.stdout.write("方案数据已是最新，未作改动。")
        else:
            self.stdout.write(self.style.SUCCESS("方案数据载入完成。"))
