"""Dates from article metadata to ISO `YYYY-MM-DD`; None when unknown (never "today").

A value that is no date we can read (`1e20`, a 5,000-digit number, a paragraph of text)
is an unknown date, not an error: the article is still worth indexing.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil import parser as date_parser

# Epoch seconds between 1900 and 3000; longer strings are not dates (and dateutil's parse
# time grows with its input).
EPOCH_RANGE = (-2_208_988_800, 32_503_680_000)
MAX_DATE_CHARS = 100


def parse_date(value: object) -> str | None:
    """`JANUARY 24, 2025`, `2025-01-24T10:00Z`, RFC 822 feed dates, epoch seconds, ..."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not EPOCH_RANGE[0] <= value <= EPOCH_RANGE[1]:
            return None
        return datetime.utcfromtimestamp(float(value)).date().isoformat()
    if not isinstance(value, str) or len(value) > MAX_DATE_CHARS:
        return None
    text = value.strip()
    try:
        parsed = date_parser.parse(text, fuzzy=False, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == 1900:
        return None
    return parsed.date().isoformat()
