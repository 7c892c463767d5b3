from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from units.models import Account, Unit, masked_token_key
from units.roles import Role
from units.selectors import unit_by_name

User = get_user_model()


def account_check(
    *,
    role: str,
    units: Sequence[Unit],
    password: str | None = None,
    user: AbstractUser | None = None,
) -> Role:
    """Return the role if an account with these settings is allowed; raise
    ValidationError (in Chinese) if not. The admin's form asks here too."""
    try:
        role = Role(role)
    except ValueError:
        choices = "、".join(r.value for r in Role)
        raise ValidationError(
            f"未知角色“{role}”，可选：{choices}。", code="unknown_role"
        ) from None
    if role == Role.REPORTER and not units:
        raise ValidationError("填报员必须至少属于一个单位。", code="no_unit")
    groups = [u.name for u in units if u.is_group]
    if groups:
        raise ValidationError(
            f"“{'、'.join(groups)}”是单位组，填报员应属于其成员单位。",
            code="group_unit",
        )
    if password is not None:
        validate_password(password, user)
    return role


@transaction.atomic
def user_save(
    *,
    username: str,
    role: str,
    unit_names: Sequence[str] = (),
    units: Sequence[Unit] | None = None,
    password: str | None = None,
    email: str | None = None,
    first_name: str | None = None,
    is_active: bool | None = None,
) -> tuple[AbstractUser, bool]:
    """Create or update an account with its role and units; return (user, created).

    The one path for accounts: the command line, demo accounts and the admin's
    user pages come here. An existing user is updated in place, never duplicated:
    its role and units are replaced by the ones given.
    """
    if units is None:
        units = [unit_by_name(name) for name in unit_names]
    user = User.objects.filter(username=username).first()
    role = account_check(role=role, units=units, password=password, user=user)
    created = user is None
    if created:
        user = User(username=username)
    for field, value in (
        ("email", email),
        ("first_name", first_name),
        ("is_active", is_active),
    ):
        if value is not None:
            setattr(user, field, value)
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.full_clean(exclude=["password"])
    user.save()
    Account.objects.update_or_create(user=user, defaults={"role": role})
    user._role_cache = role
    user.units.set(units)
    return user, created


@transaction.atomic
def user_password_change(*, user: AbstractUser, password: str) -> AbstractUser:
    """Give the account a new password, after Django's password validators.

    The one path for a user changing their own password (the 修改密码 page); an
    admin sets one on creation through `user_save`.
    """
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def member_unit_add(*, group: Unit, name: str, kind: str, position: int) -> Unit:
    """Return the member unit `name` of `group`, adding it if it is not there.

    Adding a member changes who reports the summed indicators: callers that may
    run on a database with returns wrap this in reporting's
    `district_values_follow_roster`, as the admin does.
    """
    unit = Unit.objects.filter(name=name).first()
    if unit is not None:
        return unit
    unit = Unit(name=name, kind=kind, parent=group, position=position)
    unit.full_clean()
    unit.save()
    return unit


def api_token_check(*, user: AbstractUser, rotate: bool = False) -> None:
    """Raise ValidationError (in Chinese) if the account may not be issued a token.

    A key is shown once, when issued: an account that has one gets a new one only
    by rotating, which stops the old key; its key is never handed out again.
    """
    username = user.get_username()
    if not user.is_active:
        raise ValidationError(
            f"账号“{username}”已停用，不能发放令牌。", code="inactive"
        )
    existing = Token.objects.filter(user=user).first()
    if existing is not None and not rotate:
        raise ValidationError(
            f"账号“{username}”已有接口令牌（{masked_token_key(existing.key)}）。"
            "令牌只在发放时显示一次；遗失了请换发新令牌，旧令牌随即作废。",
            code="exists",
        )


@transaction.atomic
def api_token_issue(*, username: str, rotate: bool = False) -> Token:
    """Issue a new API token to an active account and return it, key included.

    The caller shows the key once (the `api_token` command, the admin's message
    after 增加接口令牌). `rotate` replaces an existing token, whose key stops
    working at once. A token acts as its account: the same role and units, the
    same per-unit rules.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"没有账号“{username}”。", code="unknown_user")
    api_token_check(user=user, rotate=rotate)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_revoke(*, username: str) -> bool:
    """Delete the account's API token; return whether it had one."""
    deleted, _ = Token.objects.filter(user__username=username).delete()
    return deleted > 0
