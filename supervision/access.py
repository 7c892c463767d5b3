"""Who may see and write which supervision items: the one place.

A unit's staff see the items their unit leads or shares (配合) and write only their
unit's feedback (签收, 申请办结, 延期申请); officials read every item; admins do
everything. Assigning, accepting, sending back, deciding an extension, cancelling
and urging are the office's: admins, or an account given the permission
可以交办和验收督办事项 (an official of the 专班办公室, say).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from supervision.models import SupervisionItem, SupervisionUnit
from units.models import Unit
from units.roles import Role, user_role
from units.selectors import reportable_units

MANAGE_PERMISSION = "supervision.assign_item"


def may_manage(user: AbstractBaseUser) -> bool:
    """Whether `user` may assign, accept, send back, extend, cancel and urge."""
    if not user.is_authenticated:
        return False
    return user_role(user) == Role.ADMIN or user.has_perm(MANAGE_PERMISSION)


def visible_items(user: AbstractBaseUser) -> QuerySet[SupervisionItem]:
    """Return the items `user` may read: every read of items starts here."""
    role = user_role(user)
    items = SupervisionItem.objects.all()
    if role in (Role.ADMIN, Role.OFFICIAL) or may_manage(user):
        return items
    if role != Role.REPORTER:
        return items.none()
    return items.filter(
        pk__in=SupervisionUnit.objects.filter(unit__in=reportable_units(user)).values(
            "item_id"
        )
    )


def own_units(user: AbstractBaseUser) -> QuerySet[Unit]:
    """Return the units whose feedback `user` may write: a reporter's own units,
    every unit for an admin (as for returns), none for officials."""
    return reportable_units(user)


def feedback_units(user: AbstractBaseUser, item: SupervisionItem) -> list[Unit]:
    """Return the units responsible for `item` that `user` writes for, lead first."""
    return [
        row.unit
        for row in SupervisionUnit.objects.filter(
            item=item, unit__in=own_units(user)
        ).select_related("unit")
    ]
