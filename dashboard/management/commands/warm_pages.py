"""Work out the heavy pages for the current data before anyone opens them."""

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard.warm import warm_pages


class Command(BaseCommand):
    help = (
        "预先计算指标总览、单位一览、晾晒排名、工作通报和驾驶舱，"
        "供网页直接读取（数据未变时几乎不耗时）。"
    )
    # Run every minute by a timer: the system checks (0.6 s) are the web
    # server's business, checked when it starts.
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        if isinstance(caches["default"], LocMemCache | DummyCache):
            # A process's own memory: what this command computed would end with it.
            self.stdout.write(
                "缓存在各进程内存中（未设置 CACHE_URL），"
                "网页进程用不到预先计算的结果，已跳过。"
            )
            return
        warmed = warm_pages(today=timezone.localdate())
        self.stdout.write(
            "已就绪：" + "；".join(f"{w.page} {w.seconds:.2f} 秒" for w in warmed)
        )
