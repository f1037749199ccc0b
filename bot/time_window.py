"""Dates in questions: `--since/--until/--as-of` and words like "yesterday", "last week",
"in January 2025" become the window of publication days retrieval may draw on.

`as_of` (default today) is the day the question is asked: nothing published after it is
used, and the recency prior favours articles shortly before it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from index.retrieval import Window
from index.schema import day_number

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH_YEAR = re.compile(r"\b(?:in|during|from)\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4})\b", re.I)
_YEAR = re.compile(r"\b(?:in|during)\s+((?:19|20)\d{2})\b", re.I)
# A month named without a year ("in January"): the latest such month up to the day asked.
_MONTH = re.compile(r"\b(?:in|during|since)\s+(" + "|".join(name for name in _MONTHS if len(name) > 3 or name == "may")
                    + r")\b(?!\.?\s+\d)", re.I)
# Words asking for the newest report or the current state: ranked by freshness, not only relevance.
LATEST = re.compile(
    r"\b(latest|newest|most recent|recent(ly)?|now|currently|current|so far|to date|as of today|"
    r"this week|today|still|anymore|yet)\b", re.I)


def relative_range(question: str, as_of: date) -> tuple[date | None, date | None]:
    """The (since, until) a question's date words imply, relative to `as_of`."""
    q = question.lower()
    if "yesterday" in q:
        day = as_of - timedelta(days=1)
        return day, day
    if re.search(r"\btoday\b", q):
        return as_of, as_of
    # "this week" in news speech means the last few days, not since Monday (a quiz asked
    # on a Thursday about "this week" means Sunday's story too): a 7-day span, plus one
    # day of slack for publication times and time zones. Likewise for months.
    if re.search(r"\b(this|last|past) week\b", q):
        return as_of - timedelta(days=8), as_of
    if re.search(r"\b(this|last|past) month\b", q):
        return as_of - timedelta(days=32), as_of
    if "last year" in q or "past year" in q:
        return as_of - timedelta(days=366), as_of
    match = _MONTH_YEAR.search(question)
    if match:
        month, year = _MONTHS[match.group(1).lower()], int(match.group(2))
        last = calendar.monthrange(year, month)[1]
        return date(year, month, 1), date(year, month, last)
    match = _YEAR.search(question)
    if match:
        year = int(match.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    match = _MONTH.search(question)
    if match:
        month = _MONTHS[match.group(1).lower()]
        year = as_of.year if month <= as_of.month else as_of.year - 1
        return date(year, month, 1), min(as_of, date(year, month, calendar.monthrange(year, month)[1]))
    return None, None


def month_read_as(question: str, as_of: date) -> str | None:
    """What a month named without a year was taken to mean ('"in January" read as January
    2026'), for the answer to say; None when the question names none."""
    match = _MONTH.search(question)
    if not match or _MONTH_YEAR.search(question) or _YEAR.search(question):
        return None
    since, _ = relative_range(question, as_of)
    return f'"{match.group(0)}" read as {since:%B %Y}' if since else None


def window_for(
    question: str,
    as_of: date | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Window:
    """Explicit --since/--until win over date words; nothing after `as_of` is used."""
    as_of = as_of or date.today()
    word_since, word_until = relative_range(question, as_of)
    since = since or word_since
    until = min(d for d in (until or word_until, as_of) if d is not None)
    return Window(
        min_day=day_number(since) if since else None,
        max_day=day_number(until),
        as_of_day=day_number(as_of),
        latest=bool(LATEST.search(question)),
    )
