"""Errors the write services raise besides ValidationError; the API maps them to 409."""


class Conflict(Exception):
    """The write would overwrite someone else's newer change, or a locked month."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
