"""An outlet's recurring title (a newsletter, a weekly gallery) is never a story of its
own: hand-made titles, and the digest of the small corpus with a two-day newsletter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.digest.series import series_ids, series_key
from tests.conftest import make_settings
from tests.digest_corpus import ALL, AS_OF, LIBRARY, PORT, SERIES, VOLCANO, write_corpus


@dataclass
class Titled:
    article_id: str
    title: str
    outlet: str
    day: int


def test_series_key_drops_dates_numbers_and_the_outlet():
    assert series_key("Ten Things You Need to Know Today: 4 July 2022 | The Week UK") == \
        series_key("Ten Things You Need to Know Today: 17 June 2022 | The Week UK") == "ten things you need to know today"
    assert series_key("Photos this week: June 16-June 23, 2022 - CNN") == "photos this week"
    assert series_key("Photos: Abe") == ""  # too short to be a series rather than a section


def test_a_series_needs_the_same_outlet_on_two_days():
    articles = [
        Titled("a", "Ten Things You Need to Know Today: 4 July 2022", "theweek.co.uk", 10),
        Titled("b", "Ten Things You Need to Know Today: 5 July 2022", "theweek.co.uk", 11),
        Titled("c", "Ten Things You Need to Know Today: 5 July 2022", "other.example", 11),
        Titled("d", "Rotterdam port strike halts container traffic", "bbc.co.uk", 11),
        Titled("e", "Rotterdam port strike halts container traffic", "bbc.co.uk", 11),  # the same day: a repost
    ]
    assert series_ids(articles) == {"a", "b"}


def test_a_newsletter_is_no_story(tmp_path):
    """Every story of the window, not only the ones shown: a story the summary cannot
    write is dropped from a digest, but it still takes a slot before that."""
    from bot.digest.stories import find_stories
    from bot.time_window import window_for
    from index.store import open_store
    from ingest.run import ingest_sources

    settings = make_settings(tmp_path / "data", llm="none")
    report = ingest_sources(settings, [write_corpus(tmp_path / "src", ALL + SERIES)])
    assert report.added == len(ALL + SERIES) and not report.skipped
    window = window_for("", as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7))
    stories = find_stories(open_store(settings), window)
    assert [{a.url for a in s.articles} for s in stories] == [
        {u for u, *_ in PORT}, {u for u, *_ in VOLCANO}, {u for u, *_ in LIBRARY}]
