from pathlib import Path

from django.core.management.base import BaseCommand

from yuecheng_housing.backups import backup_write


class Command(BaseCommand):
    help = "备份整个系统（数据库全部数据和上传的佐证材料）到一个 .tar.gz 文件。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("-o", "--output", required=True, help="备份文件路径")

    def handle(self, *args, **options) -> None:
        manifest = backup_write(Path(options["output"]))
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"已备份 {rows} 行数据、{len(manifest['files'])} 个文件到 "
            f"{options['output']}。"
        )
