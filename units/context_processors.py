from django.utils.functional import SimpleLazyObject

from units.roles import user_role
from yuecheng_housing.lib.periods import plan_has_ended


def role(request) -> dict:
    """Expose the user's role to templates; read only when a template asks."""
    return {"role": SimpleLazyObject(lambda: user_role(request.user) or "")}


def plan_period(request) -> dict:
    """Whether the plan period (2023–2027) is over: every page says so once it is,
    and opens on 2027."""
    return {"plan_ended": plan_has_ended()}
