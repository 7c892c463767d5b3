from django.utils.functional import SimpleLazyObject

from units.roles import user_role


def role(request) -> dict:
    """Expose the user's role to templates; read only when a template asks."""
    return {"role": SimpleLazyObject(lambda: user_role(request.user) or "")}
