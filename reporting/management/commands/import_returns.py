from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reporting.returns_import import return_import
from yuecheng_housing.lib.periods import period_label
from yuecheng_housing.lib.xlsx_safety import ReturnFileError

ACTIONS = {"created": "新增", "changed": "修改", "unchanged": "未变"}


class Command(BaseCommand):
    help = "导入单位报送的月度报表（.xlsx），先逐行预览；全部成功时退出码为0。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        parser.add_argument(
            "--submit",
            action="store_true",
            help="导入后各月报送审核（默认保存为草稿）",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="已核对预览中的提示（如“是上月的10倍以上”），仍然导入",
        )
        parser.add_argument("--user", help="以该账号身份导入（默认为第一个超级管理员）")

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        user = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("找不到导入账号，请用 --user 指定一个管理员账号。")
        ok = True
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"文件不存在：{path}")
            try:
                result, log = return_import(
                    data=path.read_bytes(),
                    name=path.name,
                    user=user,
                    commit=not options["dry_run"],
                    # A preview shows the warnings; an import must confirm them.
                    confirm=options["confirm"] or options["dry_run"],
                    submit=options["submit"],
                )
            except ReturnFileError as e:
                self.stdout.write(self.style.ERROR(str(e)))
                ok = False
                continue
            ok = self.report(path.name, result, options["dry_run"]) and ok
        if not ok:
            raise CommandError("有文件未能导入，见上。")

    def report(self, name: str, result, dry_run: bool) -> bool:
        if result.duplicate_of is not None:
            when = result.duplicate_of.imported_at
            self.stdout.write(
                f"{name}：与 {when:%Y-%m-%d %H:%M} 导入的文件内容相同，未作改动。"
            )
            return True
        for change in result.changes:
            line = change.line
            subject = line.indicator.name if line.indicator else line.item.text
            if change.action == "error":
                continue
            self.stdout.write(
                f"  {line.sheet}第{line.row}行 {line.unit} {period_label(line.period)} "
                f"{subject}："
                f"{ACTIONS[change.action]} {change.old or '—'} → {change.new}"
            )
            for warning in change.warnings:
                self.stdout.write(self.style.WARNING(f"    提示：{warning}"))
        for error in result.errors:
            self.stdout.write(self.style.ERROR(f"  错误：{error}"))
        self.stdout.write(f"  {result.outcome}")
        verb = "可导入" if dry_run else "已导入"
        if result.errors:
            self.stdout.write(
                self.style.ERROR(
                    f"{name}：有{len(result.errors)}处错误，未写入任何内容。"
                )
            )
            return False
        self.stdout.write(
            self.style.SUCCESS(
                f"{name}：{verb}，新增{result.count('created')}、"
                f"修改{result.count('changed')}、未变{result.count('unchanged')}。"
            )
        )
        return True
