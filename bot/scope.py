"""Scopes: which articles an answer or a digest may draw on, by outlet, category and date.

An outlet is named the way a reader names it — a domain ("reuters.com", "bbc.co.uk"), the
domain's name ("bbc"), or the feed's title ("BBC News", or just "BBC") — and matched
against each article's URL host and its `source` metadata. A scope resolves to the set
of allowed article ids, which retrieval applies inside both searches
(`index.retrieval.retrieve(..., sources=)`), so the top k is filled from allowed
articles instead of filtered afterwards. A channel's scope (NEWSBOT_CHANNEL_SCOPES) and a
request's own `--source` both apply: an answer never cites outside either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlsplit

from index.store import Store


class ScopeError(ValueError):
    """A requested outlet that no indexed article comes from."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def outlet_names(meta: dict) -> tuple[str, list[list[str]]]:
    """(host without www., word lists a reader may name the outlet by)."""
    host = (urlsplit(str(meta.get("url") or "")).hostname or "").removeprefix("www.")
    names = []
    if host:
        names.append(_words(host.split(".")[0]))
    source = str(meta.get("source") or "")
    if source:
        names.append(_words(urlsplit(source).hostname or source) if "://" in source else _words(source))
    return host, [n for n in names if n]


def matches(name: str, meta: dict) -> bool:
    """Whether the outlet `name` covers an article: its host is the domain or under it,
    or the name's words appear in order in the feed title or the domain's name."""
    want = name.strip().lower().removeprefix("the ").strip()
    host, names = outlet_names(meta)
    source = str(meta.get("source") or "").lower().removeprefix("www.")
    if "." in want and (host == want.removeprefix("www.") or host.endswith("." + want.removeprefix("www."))
                        or source == want.removeprefix("www.")):
        return True
    words = _words(want)
    if not words:
        return False
    for have in names:
        for i in range(len(have) - len(words) + 1):
            if have[i : i + len(words)] == words:
                return True
    return False


@dataclass(frozen=True)
class Scope:
    """Allowed outlets, categories and publication dates (empty or None: no limit).
    `requested` are outlets a request asked for inside this scope: an article must match
    one of them too."""

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    requested: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return not (self.sources or self.categories or self.since or self.until or self.requested)

    def narrowed(self, sources) -> "Scope":
        """This scope, and only the outlets `sources` within it."""
        return replace(self, requested=self.requested + tuple(sources)) if sources else self

    def admits(self, meta: dict) -> bool:
        for names in (self.sources, self.requested):
            if names and not any(matches(s, meta) for s in names):
                return False
        if self.categories:
            category = str(meta.get("category") or "").strip().lower()
            if category not in {c.strip().lower() for c in self.categories}:
                return False
        if self.since or self.until:
            published = str(meta.get("published") or "")
            if not published:
                return False
            if (self.since and published < self.since.isoformat()) or (self.until and published > self.until.isoformat()):
                return False
        return True

    def allowed(self, store: Store) -> set[str] | None:
        """The article ids this scope admits (None when it admits everything); a requested
        outlet that matches no article is an error naming it, not a silently empty answer."""
        if self.open:
            return None
        metas = store.chunks.metadatas()
        for name in self.requested:  # a channel's outlet may simply have no article yet
            if not any(matches(name, m) for m in metas):
                raise ScopeError(f"no indexed article comes from the outlet {name!r}")
        return {str(m.get("article_id")) for m in metas if self.admits(m)}


# "… according to Reuters", "… in the BBC", "… from AP News", "… reported by the Guardian"
_OUTLET_PHRASE = re.compile(
    r"[\s,;]+(?:according to|as reported by|reported by|in|from|by|on)\s+(?:the\s+)?"
    r"(?P<name>[A-Za-z0-9][\w.&' -]{0,40}?)\s*(?P<end>[?.!]*)\s*$",
    re.IGNORECASE,
)


def outlet_in_question(question: str, store: Store) -> tuple[str, str | None]:
    """(the question without its outlet phrase, the outlet) when the question ends by
    naming an outlet some indexed article comes from; else (question, None). "in the
    US" is not an outlet unless an article's domain or feed title is named so."""
    match = _OUTLET_PHRASE.search(question)
    if not match:
        return question, None
    name = match.group("name").strip()
    if not name or not any(matches(name, m) for m in store.chunks.metadatas()):
        return question, None
    return question[: match.start()].rstrip() + (match.group("end") or ""), name


def channel_scope(settings, channel: str | None) -> Scope:
    """The scope NEWSBOT_CHANNEL_SCOPES gives a channel (open for channels it does not name)."""
    entry = (getattr(settings, "channel_scopes", None) or {}).get(channel or "")
    if entry is None:
        return Scope()
    return Scope(tuple(entry.sources), tuple(entry.categories), entry.since, entry.until)
