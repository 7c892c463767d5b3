from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yuecheng_housing.backups import BackupError, backup_write


class Command(BaseCommand):
    help = "备份整个系统（数据库全部数据和上传的佐证材料）到一个 .tar.gz 文件。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("-o", "--output", required=True, help="备份文件路径")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup_write(Path(options["output"]))
        except BackupError as e:
            raise CommandError(str(e)) from e
        except OSError as e:
            raise CommandError(f"备份失败（读写文件出错）：{e}") from e
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"已备份 {rows} 行数据、{len(manifest['files'])} 个文件到 "
            f"{options['output']}。"
        )
