"""Who may see, enter and review which cases of the register: the one place.

Each town (a member unit of 各镇街) enters its own cases, as it writes its own
returns (units.selectors.reportable_units). The departments that supervise the
work (key task 9) see every case and review their part: 区建设局 the towns'
buildings, 区农水局 the rural houses, 区民政局 the relief of 困难家庭. Officials read
everything; admins do everything. Other units see nothing of the register: it holds
households' addresses.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from hazards.models import HazardCase
from units.models import Unit
from units.roles import Role, user_role
from units.selectors import reportable_units

# The supervising departments, by their names in the plan's roster (附件1), and
# the cases each reviews.
SUPERVISORS: dict[str, Q] = {
    "区建设局": Q(kind=HazardCase.Kind.URBAN),
    "区农水局": Q(kind=HazardCase.Kind.RURAL),
    "区民政局": Q(kind=HazardCase.Kind.RURAL, hardship=True),
}


def writable_towns(user: AbstractBaseUser) -> QuerySet[Unit]:
    """Return the towns whose cases `user` may enter and change."""
    return reportable_units(user).filter(kind=Unit.Kind.TOWN)


def _supervised(user: AbstractBaseUser) -> Q | None:
    """The cases `user` reviews as staff of a supervising department, if any."""
    if user_role(user) != Role.REPORTER:
        return None
    names = reportable_units(user).filter(name__in=SUPERVISORS)
    scope = None
    for name in names.values_list("name", flat=True):
        scope = SUPERVISORS[name] if scope is None else scope | SUPERVISORS[name]
    return scope


def visible_cases(user: AbstractBaseUser) -> QuerySet[HazardCase]:
    """Return the cases `user` may read: every read of the register starts here."""
    role = user_role(user)
    cases = HazardCase.objects.all()
    if role in (Role.ADMIN, Role.OFFICIAL):
        return cases
    if role != Role.REPORTER:
        return cases.none()
    if _supervised(user) is not None:
        return cases
    return cases.filter(town__in=writable_towns(user))


def visible_towns(user: AbstractBaseUser) -> QuerySet[Unit]:
    """Return the towns whose cases `user` may read (the list's 镇街 filter offers
    these and no others): every town where `visible_cases` is the whole register."""
    towns = Unit.objects.filter(kind=Unit.Kind.TOWN)
    role = user_role(user)
    if role in (Role.ADMIN, Role.OFFICIAL) or _supervised(user) is not None:
        return towns
    if role != Role.REPORTER:
        return towns.none()
    return writable_towns(user)


def writable_cases(user: AbstractBaseUser) -> QuerySet[HazardCase]:
    """Return the cases `user` may change (their own towns'; admins all)."""
    return HazardCase.objects.filter(town__in=writable_towns(user))


def reviewable_cases(user: AbstractBaseUser) -> QuerySet[HazardCase]:
    """Return the cases `user` may review: a supervisor's part, or all for admins."""
    role = user_role(user)
    if role == Role.ADMIN:
        return HazardCase.objects.all()
    scope = _supervised(user)
    return (
        HazardCase.objects.none() if scope is None else HazardCase.objects.filter(scope)
    )


def may_enter_cases(user: AbstractBaseUser) -> bool:
    return writable_towns(user).exists()
