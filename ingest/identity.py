"""Who an article id belongs to: the source (file or feed URL) it was first stored from.

An article's id comes from its normalised URL (case, trailing slash and http/https
folded), so any file or feed can name the URL of a stored article. Letting the last one
win would let any drop folder replace a publisher's story under its headline and
citation. So a different source never replaces it: with the same text it is recorded as
another place the article is found (`also_at`); with a different text it is skipped and
named. The article's own source still updates it, and when that source is gone (its
file deleted) the next source to name the URL takes the article over.
"""

from __future__ import annotations

from ingest.discover import origin_gone


def _gone(origin: str) -> bool:
    """An owner whose source is gone; an unknown owner ("") is never gone."""
    return bool(origin) and origin_gone(origin)


class Owners:
    """The owner of every id met in one ingest run, decided claim by claim."""

    NEW = "new"                # this source holds the id (stored from it, or first to name it)
    DUPLICATE = "duplicate"    # the same id twice from one source
    SAME_TEXT = "same text"    # another source holds the id; this text is the same
    REFUSED = "refused"        # another source holds the id; this text differs

    def __init__(self, articles: dict[str, dict], aliases: dict[str, dict]):
        self.stored = {i: (e.get("origin", ""), e.get("body_hash", "")) for i, e in aliases.items()}
        self.stored.update({i: (e.get("origin", ""), e.get("body_hash", "")) for i, e in articles.items()})
        self.run: dict[str, tuple[str, str]] = {}  # id -> (origin, body hash) claimed this run
        self.cached: set[str] = set()              # ids of files the stat cache skipped

    def hold_cached(self, origin: str, ids: list[str]) -> int:
        """A stat-cached file's ids; how many were not met before in this run."""
        fresh = set(ids) - self.cached
        self.cached |= fresh
        return len(fresh)

    def holder(self, article_id: str, origin: str) -> tuple[str, str] | None:
        """(origin, body hash) of another live source holding the id, if any."""
        held = self.run.get(article_id)
        if held is None:
            stored = self.stored.get(article_id)
            if stored and stored[0] != origin and not _gone(stored[0]):
                held = stored
        return held

    def claim(self, article_id: str, origin: str, body_hash: str) -> str:
        held = self.holder(article_id, origin)
        if held is None:
            self.run[article_id] = (origin, body_hash)
            return self.NEW
        if held[0] == origin:
            return self.DUPLICATE
        return self.SAME_TEXT if held[1] == body_hash else self.REFUSED

    def refusal(self, article_id: str, url: str | None, origin: str) -> str:
        owner = (self.holder(article_id, origin) or ("another source", ""))[0]
        return (f"{url} is already indexed from {owner}, with a different text; "
                "another source cannot replace it")

    def ids(self) -> set[str]:
        return set(self.run) | self.cached
