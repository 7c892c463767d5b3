"""API token authentication that follows the login lockout.

A token acts as its account, so it stops when the account cannot log in: when the
account is inactive, or locked everywhere because its password is being guessed
from many addresses (units.login_throttle). A lock at one address only is the
guesser's and never stops the unit's system.
"""

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from units.login_throttle import account_locked_everywhere


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, Token]:
        try:
            token = Token.objects.select_related("user").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("令牌无效。") from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(
                "令牌所属账号已停用，令牌不能使用。请联系区建设局管理员。"
            )
        if account_locked_everywhere(username=user.get_username()):
            raise exceptions.AuthenticationFailed(
                "令牌所属账号因多处登录失败已暂时锁定，令牌暂停使用。"
                "请30分钟后再试，或联系区建设局管理员解锁。"
            )
        return user, token
