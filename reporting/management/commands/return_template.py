from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reporting.returns_template import return_template, template_file_name
from units.models import Unit
from units.selectors import unit_by_name, unit_list
from yuecheng_housing.lib.periods import parse_period


class Command(BaseCommand):
    help = "生成单位月度报表模板（.xlsx）。不指定 --unit 时生成全部填报单位的模板。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--unit", action="append", default=[], help="单位名称，可重复"
        )
        parser.add_argument("--period", required=True, help="月份，如 2023-06")
        parser.add_argument("-o", "--output", type=Path, help="输出文件名")

    def handle(self, *args, **options) -> None:
        try:
            period = parse_period(options["period"])
            units = [unit_by_name(name) for name in options["unit"]]
        except (ValueError, ValidationError) as e:
            message = "；".join(e.messages) if isinstance(e, ValidationError) else e
            raise CommandError(str(message)) from e
        if not units:
            units = list(unit_list().exclude(kind=Unit.Kind.GROUP))
        if any(u.is_group for u in units):
            raise CommandError("单位组不直接填报，请指定其成员单位。")
        output = options["output"] or Path(template_file_name(units, period))
        output.write_bytes(return_template(units=units, period=period))
        self.stdout.write(f"已生成 {output}")
