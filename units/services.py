from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from units.roles import Role, role_group
from units.selectors import unit_by_name

User = get_user_model()


@transaction.atomic
def user_save(
    *,
    username: str,
    role: str,
    unit_names: Sequence[str] = (),
    password: str | None = None,
    email: str = "",
) -> tuple[AbstractUser, bool]:
    """Create or update an account with its role and units; return (user, created).

    An existing user is updated in place, never duplicated: its role and units are
    replaced by the ones given. A reporter must belong to at least one unit.
    """
    try:
        role = Role(role)
    except ValueError:
        choices = "、".join(r.value for r in Role)
        raise ValidationError(
            f"未知角色“{role}”，可选：{choices}。", code="unknown_role"
        ) from None
    units = [unit_by_name(name) for name in unit_names]
    if role == Role.REPORTER and not units:
        raise ValidationError("填报员必须至少属于一个单位（--unit）。", code="no_unit")

    user, created = User.objects.get_or_create(username=username)
    if email:
        user.email = email
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.remove(*[role_group(r) for r in Role if r != role])
    user.groups.add(role_group(role))
    user.units.set(units)
    return user, created
