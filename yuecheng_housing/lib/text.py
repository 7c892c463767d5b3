"""Text as stored: one kind of line break, whatever the browser or spreadsheet sent."""


def normal_newlines(text: str) -> str:
    """Return `text` with CR LF and CR turned into LF, as a textarea, the API and a
    spreadsheet may send any of them: the same note is then the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
