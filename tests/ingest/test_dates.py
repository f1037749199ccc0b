"""`parse_date`: the formats articles and feeds carry, whose day a time zone means, and
input that is no date (an unknown date, never an error and never "today")."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from ingest.dates import EPOCH_RANGE, MAX_DATE_CHARS, parse_date

DAY = 86_400
JAN_24_2025 = 20_112 * DAY  # 2025-01-24 00:00 UTC: 55 years × 365 days + 14 leap days + 23 days


@pytest.mark.parametrize("value", [
    "JANUARY 24, 2025",  # the seeds' "Created:" line
    "January 24, 2025",
    "24 Jan 2025",
    "2025-01-24",
    "2025-01-24T10:00Z",
    "2025-01-24T10:00:00.123456+00:00",
    "Fri, 24 Jan 2025 10:00:00 GMT",  # RFC 822, as RSS writes it
    "  2025-01-24 \n",
    date(2025, 1, 24),
    datetime(2025, 1, 24, 10, 0),
    JAN_24_2025,
    JAN_24_2025 + DAY - 1,  # the day's last second
    float(JAN_24_2025) + 0.5,
])
def test_formats_read_as_the_same_day(value):
    assert parse_date(value) == "2025-01-24"


@pytest.mark.parametrize("value,day", [
    ("Fri, 24 Jan 2025 23:30:00 -0500", "2025-01-24"),  # 04:30 on the 25th in UTC
    ("2025-01-24T23:30:00-05:00", "2025-01-24"),
    ("Sat, 25 Jan 2025 01:30:00 +1300", "2025-01-25"),  # 12:30 on the 24th in UTC
    (datetime(2025, 1, 25, 1, 30, tzinfo=timezone(timedelta(hours=13))), "2025-01-25"),
])
def test_a_zoned_time_is_dated_by_the_day_its_publisher_wrote(value, day):
    """The publisher's own calendar day, not the UTC one: "published Friday" stays Friday."""
    assert parse_date(value) == day


def test_epoch_seconds_are_utc_whatever_the_machines_zone(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is Unix-only: the local zone cannot be changed here")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: the 23rd's last UTC second is the 24th there
    time.tzset()
    try:
        assert parse_date(JAN_24_2025 - 1) == "2025-01-23"
        assert parse_date(JAN_24_2025) == "2025-01-24"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_epoch_range_ends_are_1900_and_3000():
    low, high = EPOCH_RANGE
    assert low == -(70 * 365 + 17) * DAY  # 1900-01-01: 17 leap days (1904 … 1968)
    assert parse_date(low) == "1900-01-01" and parse_date(high) == "3000-01-01"
    assert parse_date(low - 1) is None and parse_date(high + 1) is None


@pytest.mark.parametrize("value", [
    None, "", "   ", "hello world", "1e20", "9" * 5000, "2025-02-30", "2025-13-01",
    "10:00",  # a time without a date
    "Created: JANUARY 24, 2025",  # not fuzzy: a date inside a sentence is the reader's job
    True, False,  # bool is an int in Python, never epoch seconds here
    1e20, -1e12, float("nan"), float("inf"),
    ["2025-01-24"], {"date": "2025-01-24"}, b"2025-01-24",
])
def test_what_is_no_date_is_an_unknown_date(value):
    assert parse_date(value) is None


def test_a_string_longer_than_a_date_is_not_parsed():
    """dateutil's time grows with its input: a long string is refused before parsing."""
    padded = "2025-01-24".ljust(MAX_DATE_CHARS)
    assert parse_date(padded) == "2025-01-24"
    assert parse_date(padded + " ") is None
