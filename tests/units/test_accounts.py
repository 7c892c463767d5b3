import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from units.models import Unit
from units.roles import Role, user_role

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_demo_accounts_refuse_to_run_without_debug(plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_accounts")
    assert not User.objects.exists()


def test_demo_accounts_cover_the_three_roles_and_a_town(plan, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    call_command("demo_accounts", stdout=io.StringIO())  # a second run updates
    assert User.objects.count() == 4
    roles = {u.username: user_role(u) for u in User.objects.all()}
    assert roles == {
        "admin": Role.ADMIN,
        "official": Role.OFFICIAL,
        "jianshe": Role.REPORTER,
        "fushan": Role.REPORTER,
    }
    town = Unit.objects.get(name="府山街道")
    assert town.parent.name == "各镇街" and town.kind == Unit.Kind.TOWN
    assert list(User.objects.get(username="fushan").units.all()) == [town]
    printed = out.getvalue()
    for text in ("jianshe", "区建设局", "填报员", "府山街道", "official", "密码"):
        assert text in printed
    assert User.objects.get(username="official").check_password("zhuyouyiju-demo")


def test_add_user_updates_an_existing_user_instead_of_duplicating(plan):
    call_command(
        "add_user", "wang", role="reporter", unit=["区建设局"], stdout=io.StringIO()
    )
    call_command(
        "add_user",
        "wang",
        role="reporter",
        unit=["民政局", "区财政局"],
        stdout=io.StringIO(),
    )
    user = User.objects.get(username="wang")
    assert User.objects.filter(username="wang").count() == 1
    assert sorted(u.name for u in user.units.all()) == ["区民政局", "区财政局"]
    assert not user.has_usable_password()


def test_add_user_reads_the_password_from_stdin(plan, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass-word\n"))
    call_command(
        "add_user", "li", role="official", password_stdin=True, stdout=io.StringIO()
    )
    assert User.objects.get(username="li").check_password("s3cret-pass-word")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"role": "boss"}, "未知角色“boss”"),
        ({"role": "reporter", "unit": ["区宣传部"]}, "未知单位“区宣传部”"),
        ({"role": "reporter"}, "填报员必须至少属于一个单位"),
    ],
)
def test_add_user_refuses_unknown_role_or_unit_and_creates_nothing(
    plan, options, message
):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "zhao", **options)
    assert not User.objects.filter(username="zhao").exists()


def test_admin_role_can_use_the_admin_and_others_cannot(plan, make_user, client):
    client.force_login(make_user("boss", Role.ADMIN))
    assert client.get("/admin/").status_code == 200
    client.force_login(make_user("viewer", Role.OFFICIAL))
    assert client.get("/admin/").status_code == 302


def test_a_group_cannot_be_nested_under_a_group(plan):
    group = Unit.objects.get(name="各镇街")
    nested = Unit(name="某组", kind=Unit.Kind.GROUP, parent=group)
    with pytest.raises(Exception, match="单位组不能再隶属于其他单位组"):
        nested.full_clean()
    member = Unit(
        name="某街道", kind=Unit.Kind.TOWN, parent=Unit.objects.get(name="区建设局")
    )
    with pytest.raises(Exception, match="不是单位组"):
        member.full_clean()


def test_passwords_must_pass_the_password_rules(plan, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command("add_user", "weak", role="official", password_stdin=True)
    assert not User.objects.filter(username="weak").exists()
