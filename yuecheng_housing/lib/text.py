"""Text as stored: one kind of line break, whatever the browser or spreadsheet sent."""

import re


def normal_newlines(text: str) -> str:
    """Return `text` with CR LF and CR turned into LF, as a textarea, the API and a
    spreadsheet may send any of them: the same note is then the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Brackets inside brackets are written ［ ］ (GB/T 15834): a unit of measure such
# as 万套（间） reads （万套［间］） after a name, and the plan's own "<间>" the same.
_INNER = str.maketrans("（(<）)>", "［［［］］］")


def bracketed(text: str) -> str:
    """Return `text` in full-width brackets, its own brackets made square:
    "万套（间）" → "（万套［间］）", "%" → "（%）"."""
    return f"（{text.translate(_INNER)}）"


def plan_words(text: str) -> str:
    """Return the plan's text with its "<间>" (angle brackets standing in for
    brackets inside brackets) written ［间］, as `bracketed` writes them."""
    return text.replace("<", "［").replace(">", "］")


def search_pattern(query: str) -> re.Pattern | None:
    """Return a pattern finding `query` in the plan's text whatever the spaces
    ("14475套" finds "14475 套", as the plan writes it); None for a blank query."""
    chars = [c for c in query if not c.isspace()]
    if not chars:
        return None
    return re.compile(r"\s*".join(re.escape(c) for c in chars), re.IGNORECASE)


def split_matches(text: str, pattern: re.Pattern | None) -> list[tuple[str, bool]]:
    """Return `text` in pieces, each marked whether it is a match of `pattern`."""
    if pattern is None:
        return [(text, False)]
    pieces, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
