import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.roles import Role
from units.services import user_save


class Command(BaseCommand):
    help = "新建或更新账号：角色与所属单位（已存在的账号按参数更新，不会重复创建）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            required=True,
            help="official（领导）、reporter（填报员）或 admin（管理员）",
        )
        parser.add_argument(
            "--unit",
            action="append",
            default=[],
            help="所属单位，可重复，如 --unit 区建设局",
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取密码"
        )

    def handle(self, *args, **options) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("标准输入中没有密码。")
        try:
            user, created = user_save(
                username=options["username"],
                role=options["role"],
                unit_names=options["unit"],
                password=password,
                email=options["email"],
            )
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from e
        verb = "已创建" if created else "已更新"
        units = "、".join(u.name for u in user.units.all()) or "—"
        role = Role(options["role"]).label
        self.stdout.write(f"{verb}账号 {user.username}：{role}，单位：{units}")
