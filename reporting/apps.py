from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig

# Registers the deploy checks; the module touches no models, so it is safe here.
from reporting import checks  # noqa: F401


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "月度报送"
    default = True


class TaskQueueConfig(TasksAppConfig):
    """django-tasks' database queue (the background imports), named in Chinese in
    the admin (its own labels are English)."""

    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        for model in self.get_models():
            model._meta.verbose_name = "后台任务记录"
            model._meta.verbose_name_plural = "后台任务记录"
