"""The three roles of the product, stored by stable code on each account.

official  reads everything (district leaders, the 专班办公室);
reporter  reads everything, writes only for the units they belong to;
admin     everything, plus review, import, users, targets (the 区建设局 coordinator).

The code ("official", "reporter", "admin") is what the rules test; the Chinese
label is only shown. Superusers are admins whatever their account says.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models


class Role(models.TextChoices):
    OFFICIAL = "official", "领导（只读）"
    REPORTER = "reporter", "填报员"
    ADMIN = "admin", "管理员"


def user_role(user: AbstractBaseUser) -> Role | None:
    """Return the user's role (one query, then cached on the user)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if not hasattr(user, "_role_cache"):
        code = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list("account__role", flat=True)
            .first()
        )
        user._role_cache = Role(code) if code else None
    return user._role_cache


def is_admin(user: AbstractBaseUser) -> bool:
    return user_role(user) == Role.ADMIN
