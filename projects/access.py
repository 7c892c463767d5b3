"""Who may see and enter which projects of the ledgers: the one place.

Towns and platform companies enter their own projects, as they write their own
returns (units.selectors.reportable_units). A department sees the ledgers of the
indicators whose key task it leads (区建设局 老旧小区, …). Officials read
everything; admins do everything.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from indicators.models import Indicator
from projects.kinds import BY_CODE
from projects.models import Project
from units.models import Unit
from units.roles import Role, user_role
from units.selectors import reportable_units

ENTERING_KINDS = (Unit.Kind.TOWN, Unit.Kind.COMPANY)


def writable_units(user: AbstractBaseUser) -> QuerySet[Unit]:
    """Return the towns and companies whose projects `user` may enter and change."""
    return reportable_units(user).filter(kind__in=ENTERING_KINDS)


def led_kinds(user: AbstractBaseUser) -> list[str]:
    """The ledgers whose indicator's key task a unit of `user` leads (1 query)."""
    codes = Indicator.objects.filter(
        code__in=BY_CODE,
        key_task__responsibilities__position=1,
        key_task__responsibilities__unit__in=reportable_units(user),
    ).values_list("code", flat=True)
    return [BY_CODE[code].key for code in codes]


def visible_projects(user: AbstractBaseUser) -> QuerySet[Project]:
    """Return the projects `user` may read: every read of the ledgers starts here."""
    role = user_role(user)
    projects = Project.objects.all()
    if role in (Role.ADMIN, Role.OFFICIAL):
        return projects
    if role != Role.REPORTER:
        return projects.none()
    return projects.filter(
        Q(town__in=writable_units(user)) | Q(kind__in=led_kinds(user))
    )


def writable_projects(user: AbstractBaseUser) -> QuerySet[Project]:
    """Return the projects `user` may change (their own units'; admins all)."""
    return Project.objects.filter(town__in=writable_units(user))


def may_enter_projects(user: AbstractBaseUser) -> bool:
    return writable_units(user).exists()
