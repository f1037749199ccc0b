"""Series: an outlet's recurring title ("Ten Things You Need to Know Today: 4 July 2022",
"Photos this week: June 16-23") on two or more days is a newsletter, a gallery or a live
blog, never one event. Such an article is short or a single chunk as often as not, so
chunk cohesion (index/cohesion.py) does not see that it strings stories together; its
title does. On the eval corpus this finds The Week's daily "Ten Things" and CNN's weekly
photo galleries and nothing else.
"""

from __future__ import annotations

import re

# Dates and counts change from one issue to the next; the words around them do not.
_DATED = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?=\W|$)|\d+(?:st|nd|rd|th)?", re.IGNORECASE)
# The outlet's name after the headline: "| The Week UK", "- CNN".
_SUFFIX = re.compile(r"\s(?:\||-|–|—)\s[^|]*$")
MIN_WORDS = 3  # "Photos" or "Opinion" alone names a section, not a series


def series_key(title: str) -> str:
    """The title without its outlet suffix, dates, numbers and punctuation, lower-cased."""
    words = re.findall(r"[a-z]+", _DATED.sub(" ", _SUFFIX.sub("", title.lower())))
    return " ".join(words) if len(words) >= MIN_WORDS else ""


def series_ids(articles) -> set[str]:
    """Ids of the articles (with `article_id`, `title`, `outlet`, `day`) whose outlet used
    the same series key on another day."""
    days: dict[tuple[str, str], set[int]] = {}
    keys = {}
    for article in articles:
        key = series_key(article.title)
        if key:
            keys[article.article_id] = (article.outlet, key)
            days.setdefault((article.outlet, key), set()).add(article.day)
    return {article_id for article_id, key in keys.items() if len(days[key]) > 1}
