"""Short quotes of bad values for error messages.

A message names the field and shows the offending value, but only an excerpt: a 4 KB string
or a 400-digit number echoed back whole buries the message (and fills a dialog).
"""

from __future__ import annotations

import reprlib

EXCERPT_CHARS = 60

_short = reprlib.Repr()
_short.maxstring = _short.maxother = _short.maxlong = EXCERPT_CHARS
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 6
_short.maxlevel = 2


def excerpt(value, limit: int = EXCERPT_CHARS, quoted: bool = True) -> str:
    """``repr(value)`` cut to about ``limit`` characters, with an ellipsis and the full length.

    ``quoted=False`` shows a string as it is, without quotes (e.g. a number as written).
    """
    if isinstance(value, bool) or value is None:  # messages are about JSON files: JSON's spelling
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        show = repr if quoted else str
        if len(value) <= limit:
            return show(value)
        return f"{show(value[:limit])}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            digits = str(value)
        except ValueError:  # beyond Python's int-to-text limit (4300 digits)
            return f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
        if len(digits) <= limit:
            return digits
        return f"{digits[:limit // 2]}… (a whole number of {len(digits.lstrip('-')):,} digits)"
    text = _short.repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
