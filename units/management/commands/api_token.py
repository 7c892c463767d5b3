from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = (
        "为账号发放、更换或吊销接口令牌。令牌代表该账号：角色和所属单位不变，"
        "只能读写该账号可读写的单位。令牌写到标准输出，只在发放时显示这一次；"
        "已有令牌的账号须用 --rotate 换发。说明写到标准错误。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rotate", action="store_true", help="作废旧令牌，发放新令牌"
        )
        action.add_argument("--revoke", action="store_true", help="吊销令牌")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        if options["revoke"]:
            if api_token_revoke(username=username):
                self.stderr.write(f"已吊销 {username} 的令牌。")
            else:
                self.stderr.write(f"{username} 没有令牌，无需吊销。")
            return
        try:
            token = api_token_issue(username=username, rotate=options["rotate"])
        except ValidationError as e:
            hint = f"（python manage.py api_token {username} --rotate）"
            message = "；".join(e.messages)
            raise CommandError(message + hint if e.code == "exists" else message) from e
        # The one time the key is shown: it is not printed again, nor in the admin.
        self.stderr.write(
            f"已发放 {username} 的令牌（请求头：Authorization: Token <令牌>）。"
            "令牌只显示这一次，请立即交给对方系统："
        )
        self.stdout.write(token.key)
