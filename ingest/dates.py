"""Dates from article metadata to ISO `YYYY-MM-DD`; None when unknown (never "today")."""

from __future__ import annotations

from datetime import date, datetime

from dateutil import parser as date_parser


def parse_date(value: object) -> str | None:
    """`JANUARY 24, 2025`, `2025-01-24T10:00Z`, RFC 822 feed dates, epoch seconds, ..."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return datetime.utcfromtimestamp(float(value)).date().isoformat()
    text = str(value).strip()
    try:
        parsed = date_parser.parse(text, fuzzy=False, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == 1900:
        return None
    return parsed.date().isoformat()
