"""Errors the write services raise besides ValidationError; the API maps them to 409."""

from django.utils import timezone


class Conflict(Exception):
    """The write would overwrite someone else's newer change, or a locked month."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def check_version(stored, expected_version: int | None) -> None:
    """Refuse a write based on an older version than the one stored.

    `stored` has `version`, `updated_by` and `updated_at`. 0 means the writer saw
    nothing stored (a first entry); None means it did not say (machine clients
    of the API may omit it and then write last).
    """
    if expected_version is None or expected_version == stored.version:
        return
    when = timezone.localtime(stored.updated_at).strftime("%Y-%m-%d %H:%M")
    raise Conflict(
        f"已被他人修改（{stored.updated_by}，{when}），请刷新后再改。", code="stale"
    )


class NeedsConfirmation(Exception):
    """The write looks implausible: the user must confirm its warnings first."""

    code = "needs_confirmation"

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.message = "请核对后确认：" + "；".join(warnings)
        super().__init__(self.message)
