from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "责任单位与账号"
