from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, refusing in Chinese.

    Django 5.2 words this refusal with a message id ("…at least %d characters")
    that its own zh-hans catalogue does not have, so people saw it in English.
    """

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"
