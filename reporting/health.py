"""The background worker's health, for monitoring (not for the load balancer: a
stopped worker delays imports but the site itself still serves)."""

import dataclasses
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class ImportWorker(HealthCheck):
    """Fails when an import runs with no worker beating for it (killed mid-way),
    or a queued task has waited longer than `patience`: no `manage.py db_worker`
    is running, so uploaded returns are never read."""

    patience: timedelta = dataclasses.field(default=timedelta(minutes=5), repr=False)

    def run(self) -> None:
        from reporting.import_jobs import stuck_imports

        if stuck := stuck_imports():
            names = "、".join(log.file_name for log in stuck[:3])
            raise ServiceUnavailable(
                f"导入任务停滞（{names}）：处理它的导入工作进程已停止"
            )
        waiting = DBTaskResult.objects.ready().filter(
            enqueued_at__lt=timezone.now() - self.patience
        )
        if waiting.exists():
            minutes = int(self.patience.total_seconds() // 60)
            raise ServiceUnavailable(
                f"后台任务排队超过{minutes}分钟：导入工作进程（db_worker）未运行"
            )
