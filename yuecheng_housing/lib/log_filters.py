"""Filters for the log handlers (settings.LOGGING)."""

import logging


class ForbiddenOnOneLine(logging.Filter):
    """Log a refused request (403) as its one line, without the traceback.

    A reader opening an admin's page is refused by design, many times a day; a
    traceback for each would bury the errors that need a look. Other statuses
    keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
