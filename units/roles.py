"""The three roles of the product, held as Django auth groups.

official  reads everything (district leaders, the 专班办公室);
reporter  reads everything, writes only for the units they belong to;
admin     everything, plus review, import, users, targets (the 区建设局 coordinator).
"""

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models


class Role(models.TextChoices):
    OFFICIAL = "official", "领导（只读）"
    REPORTER = "reporter", "填报员"
    ADMIN = "admin", "管理员"


def role_group(role: Role) -> Group:
    """Return the auth group that stands for `role`, creating it on first use."""
    group, _ = Group.objects.get_or_create(name=Role(role).label)
    return group


def user_role(user: AbstractBaseUser) -> Role | None:
    """Return the user's role; superusers are admins whatever their groups."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = {g.name for g in user.groups.all()}
    for role in (Role.ADMIN, Role.REPORTER, Role.OFFICIAL):
        if role.label in names:
            return role
    return None


def is_admin(user: AbstractBaseUser) -> bool:
    return user_role(user) == Role.ADMIN
