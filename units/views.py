from django.contrib.auth import views as auth_views

from units.forms import PasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码 for every logged-in user, in the site's pages rather than the
    admin's (which only admins may open)."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_changed.html"
