from django.contrib.auth import forms as auth_forms

from units.services import user_password_change


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new twice, validators), saved by the service."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Labels stand alone, as on the login page (Django appends ":").
        self.label_suffix = ""

    def save(self, commit: bool = True):
        return user_password_change(
            user=self.user, password=self.cleaned_data["new_password1"]
        )
