from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from reporting.orphan_files import GRACE, orphan_files_delete


class Command(BaseCommand):
    help = (
        "删除上传目录中没有任何佐证材料记录对应的文件（上传中途服务中断留下的），"
        "只删除超过宽限期的文件。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出将删除的文件，不删除"
        )
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=GRACE.total_seconds() / 3600,
            help="只处理最后修改早于此小时数的文件（默认24小时）",
        )

    def handle(self, *args, **options) -> None:
        if options["grace_hours"] < 1:
            raise CommandError("宽限期不能少于1小时：正在上传的文件可能被误删。")
        orphans = orphan_files_delete(
            grace=timedelta(hours=options["grace_hours"]),
            dry_run=options["dry_run"],
        )
        verb = "将删除" if options["dry_run"] else "已删除"
        for orphan in orphans:
            self.stdout.write(f"{verb}：{orphan.name}（{orphan.size} 字节）")
        total = sum(o.size for o in orphans)
        if not orphans:
            self.stdout.write("没有无主文件。")
        elif options["dry_run"]:
            self.stdout.write(
                f"试运行：共 {len(orphans)} 个无主文件（{total} 字节），未删除。"
            )
        else:
            self.stdout.write(f"共删除 {len(orphans)} 个无主文件（{total} 字节）。")
