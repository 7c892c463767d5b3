import logging
import sys

from django.conf import settings

from yuecheng_housing.lib.log_filters import ForbiddenOnOneLine


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise PermissionError("no")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden: %s", ("/x/",),
        exc_info,
    )  # fmt: skip
    record.status_code = status_code
    return record


def test_a_403_is_logged_as_one_line_without_its_traceback():
    record = _record(403)
    assert ForbiddenOnOneLine().filter(record) is True
    line = logging.Formatter().format(record)
    assert line == "Forbidden: /x/"


def test_other_errors_keep_their_traceback():
    record = _record(500)
    ForbiddenOnOneLine().filter(record)
    assert "Traceback" in logging.Formatter().format(record)


def test_the_console_handler_uses_it():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["forbidden_on_one_line"]
