"""Who may see and write what in the assessment: the one place it is decided."""

from django.contrib.auth.models import AbstractBaseUser

from units.models import Unit
from units.roles import Role, user_role
from units.selectors import reportable_units


def may_see_table(user: AbstractBaseUser) -> bool:
    """The whole table: officials and admins."""
    return user_role(user) in (Role.OFFICIAL, Role.ADMIN)


def may_see_sheet(user: AbstractBaseUser, unit: Unit) -> bool:
    """A unit's sheet: officials, admins, and the unit's own staff."""
    return may_see_table(user) or may_object(user, unit)


def may_object(user: AbstractBaseUser, unit: Unit) -> bool:
    """An objection comes from the unit itself: its own reporters."""
    return (
        user_role(user) == Role.REPORTER
        and reportable_units(user).filter(pk=unit.pk).exists()
    )
