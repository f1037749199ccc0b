"""A record's fields, coerced to what the store accepts, or refused with the field's name.

Exports come from anywhere: `"category": {...}`, a list for a title, `published: 1e20`, an
author that is an object. Chroma takes only strings and numbers as metadata and rejects a
whole batch for one bad value, so every field is checked here, when the article is built:
text fields take strings and numbers (`"category": 2024` is the text "2024"); anything
else raises `BadField`, and the reader skips that record and names it. Strings lose what
cannot be stored or shown safely: lone surrogates (not encodable as UTF-8) and control
characters (which could forge lines on a terminal). Nothing here recurses into a value,
so a deeply nested one costs no more than a flat one.
"""

from __future__ import annotations

import math
import re

# A title, url, source or category longer than this is cut (a headline is ~100 characters).
MAX_FIELD_CHARS = 1000
# Control characters (C0, DEL, C1) but tab and newline; the Unicode line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class BadField(ValueError):
    """A field whose value cannot be used; the message names the field."""


def kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return f"a {type(value).__name__}"


def clean_str(text: str) -> str:
    """Encodable as UTF-8 (a lone surrogate becomes "?"), control characters as spaces."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub(" ", text)


def number_text(name: str, value: int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise BadField(f"field {name!r} is a number out of range, not text")
    try:
        return str(value)
    except ValueError:  # an int over Python's 4,300-digit conversion limit
        raise BadField(f"field {name!r} is a number with too many digits") from None


def text_field(name: str, value: object, max_chars: int = MAX_FIELD_CHARS) -> str | None:
    """One line of text, or None when empty; strings and numbers only."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = number_text(name, value)
    if not isinstance(value, str):
        raise BadField(f"field {name!r} is {kind(value)}, not text")
    text = " ".join(clean_str(value).split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + "…"
    return text or None


def body_field(value: object) -> str:
    """The article text: a string, or a list of strings (paragraphs)."""
    if isinstance(value, (list, tuple)):
        parts = []
        for part in value:
            if not isinstance(part, str):
                raise BadField(f"field 'text' is a list holding {kind(part)}, not only text")
            parts.append(part)
        value = "\n\n".join(parts)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadField(f"field 'text' is {kind(value)}, not text")
    return clean_str(value)


def author_items(value: object) -> list[str]:
    """Author names from a string, or a list of strings / `{"name": ...}` objects."""
    if value is None or value == "" or value == []:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, (list, tuple, dict)):
            raise BadField(f"field 'authors' holds {kind(item)}, not a name")
        name = text_field("authors", item)
        if name:
            names.append(name)
    return names
