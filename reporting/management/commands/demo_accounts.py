from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reporting.district import district_values_follow_roster
from units.models import Unit
from units.roles import Role
from units.services import member_unit_add, user_save

# Local demonstration only: the command refuses to run unless DEBUG is on.
DEMO_PASSWORD = "zhuyouyiju-demo"
DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, ["区建设局"], "区建设局协调员"),
    ("official", Role.OFFICIAL, [], "区领导、专班办公室"),
    ("jianshe", Role.REPORTER, ["区建设局"], "区建设局填报员"),
    ("fushan", Role.REPORTER, ["府山街道"], "府山街道（各镇街）填报员"),
]
DEMO_TOWN = ("府山街道", "各镇街")


class Command(BaseCommand):
    help = "创建演示账号（管理员、领导、两名填报员）。仅限 DEBUG=1 的本地环境。"

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("演示账号仅用于本地演示：请在 DEBUG=1 时运行。")
        town, group = DEMO_TOWN
        try:
            parent = Unit.objects.get(name=group, kind=Unit.Kind.GROUP)
        except Unit.DoesNotExist:
            raise CommandError(
                "请先运行 python manage.py load_plan 载入方案。"
            ) from None
        with district_values_follow_roster():
            member_unit_add(group=parent, name=town, kind=Unit.Kind.TOWN, position=1)
            for username, role, units, who in DEMO_ACCOUNTS:
                # The name pages show for the account (退出（区建设局填报员）).
                user_save(
                    username=username,
                    role=role,
                    unit_names=units,
                    password=DEMO_PASSWORD,
                    first_name=who,
                )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"{'用户名':<10}{'角色':<12}{'单位':<14}说明")
        for username, role, units, who in DEMO_ACCOUNTS:
            self.stdout.write(
                f"{username:<12}{role.label:<10}{'、'.join(units) or '—':<12}{who}"
            )
