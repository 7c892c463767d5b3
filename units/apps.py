from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "责任单位与账号"
    # units/apps.py holds two configs: this one is the app's own.
    default = True


class LoginProtectionConfig(AxesConfig):
    """django-axes, named in Chinese in the admin (its own labels are English)."""

    verbose_name = "登录保护"

    def ready(self) -> None:
        super().ready()
        names = {
            "accessattempt": "登录失败记录",
            "accesslog": "登录日志",
            "accessfailurelog": "登录失败明细",
        }
        for model in self.get_models():
            if model._meta.model_name in names:
                model._meta.verbose_name = names[model._meta.model_name]
                model._meta.verbose_name_plural = names[model._meta.model_name]
