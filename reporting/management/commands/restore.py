from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yuecheng_housing.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从 backup 生成的文件恢复整个系统。目标须为空数据库（先运行 migrate），"
        "且结构与备份时相同；全部成功或全部不做，中途中断后可直接重试。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="备份文件路径")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup_restore(Path(options["file"]))
        except BackupError as e:
            raise CommandError(str(e)) from e
        except OSError as e:
            raise CommandError(f"恢复失败（读写文件出错），已全部撤销：{e}") from e
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"已恢复 {rows} 行数据、{len(manifest['files'])} 个文件"
            f"（备份于 {manifest['created_at']}）。"
        )
