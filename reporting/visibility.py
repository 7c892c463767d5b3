"""Who may see a month's values before review: the one rule every page and API uses.

A draft, and a month sent back while the unit corrects it, is the unit's work in
progress: only those who write for the unit (its reporters, admins) see it. Once
submitted, the month is shown to every reader, marked 待审核 until approved.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from reporting.models import MonthlyReport
from units.models import Unit
from units.selectors import can_report_for, reportable_units

WORK_IN_PROGRESS = (MonthlyReport.Status.DRAFT, MonthlyReport.Status.SENT_BACK)


def may_see_work_in_progress(user: AbstractBaseUser, unit: Unit) -> bool:
    return can_report_for(user, unit)


def shared_only(rows: QuerySet, *, report: str = "report") -> QuerySet:
    """Keep the rows of submitted and approved months: what every reader sees."""
    return rows.exclude(**{f"{report}__status__in": WORK_IN_PROGRESS})


def visible_to(user: AbstractBaseUser, rows: QuerySet, *, report: str = "report"):
    """Keep the rows `user` may see: shared ones, and work in progress of the
    units the user writes for."""
    return rows.filter(
        ~Q(**{f"{report}__status__in": WORK_IN_PROGRESS})
        | Q(**{f"{report}__unit__in": reportable_units(user)})
    )
