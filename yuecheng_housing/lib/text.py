"""Text as stored: one kind of line break, whatever the browser or spreadsheet sent."""


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
