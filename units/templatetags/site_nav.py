"""The main navigation, drawn once per kind of reader and page.

Its links are the same for every reader with the same role on the same page, and
URLs do not change while a process runs; drawing them (a dozen reversals and
twenty conditions) was a sixth of a cached page's time. The person's name and the
logout form's CSRF token stay in base.html, drawn for each request.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from units.roles import user_role

register = template.Library()
_drawn: dict[tuple, SafeString] = {}


@register.simple_tag(takes_context=True)
def site_nav(context) -> SafeString:
    request = context["request"]
    match = request.resolver_match
    user = request.user
    role = user_role(user) or ""
    key = (
        role,
        user.is_staff,
        request.path == "/",
        match.url_name if match else None,
        match.namespace if match else None,
    )
    if key not in _drawn:
        _drawn[key] = mark_safe(
            render_to_string(
                "site_nav.html", {"request": request, "role": role, "user": user}
            )
        )
    return _drawn[key]
