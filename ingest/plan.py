"""The middle step of an ingest run: from what was read and the manifest, decide what to
embed, what to record as a duplicate, what replaces a stored version and what to prune.

`plan` writes nothing and needs neither Chroma nor the embedding model, so every rule of
identity and change is tested on its own (tests/ingest/test_plan.py). It looks at the file
system only to ask whether a source file still exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from llama_index.core import Document

from index.manifest import ManifestState
from ingest.article import Article
from ingest.discover import origin_gone
from ingest.identity import Owners
from ingest.readers import is_url
from ingest.report import TAKEN_DOWN


class ReadArticle(NamedTuple):
    document: Document
    article: Article
    origin: str  # the file or feed it was read from


class Alias(NamedTuple):
    """An article whose text is stored under another id (`primary`)."""

    article: Article
    origin: str
    primary: str


@dataclass
class Reading:
    """What the read step found."""

    articles: list[ReadArticle] = field(default_factory=list)
    cached: dict[str, list[str]] = field(default_factory=dict)  # origin -> ids: files skipped unread
    origins: set[str] = field(default_factory=set)                # read (or known unchanged) this run
    stats: dict[str, list[int]] = field(default_factory=dict)    # origin -> stat key: files read whole


@dataclass
class Plan:
    embed: list[ReadArticle] = field(default_factory=list)   # new or changed articles, in order
    replacing: set[str] = field(default_factory=set)         # ids in `embed` with a stored version
    aliases: list[Alias] = field(default_factory=list)       # duplicates to record
    also_at: dict[str, set[str]] = field(default_factory=dict)  # id -> other sources of its url and text
    prune: list[str] = field(default_factory=list)           # stored ids whose source dropped them
    prune_aliases: list[str] = field(default_factory=list)
    stat_cache: dict[str, dict] = field(default_factory=dict)   # origin -> {stat, ids} to record
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


def cached_ids(entry: dict | None, stat: list[int] | None, state: ManifestState) -> list[str] | None:
    """The ids of a file the stat cache lets a run skip unread, or None when it must be
    read: its stat changed, or one of its articles is no longer stored (pruned, repaired,
    or a duplicate whose original went away)."""
    if not entry or stat is None or entry.get("stat") != stat:
        return None
    ids = entry.get("ids", [])
    if all(i in state.hashes or i in state.tombstones or _alias_alive(state.aliases.get(i), state) for i in ids):
        return ids
    return None


def plan(reading: Reading, state: ManifestState, *, prune: bool = False) -> Plan:
    """What to embed, record, replace and prune (see `Plan`); the counts the report shows."""
    out = Plan()
    owners = Owners(state.articles, state.aliases)
    for origin, ids in reading.cached.items():
        out.unchanged += owners.hold_cached(origin, [i for i in ids if i not in state.tombstones])
    stats = dict(reading.stats)
    claimed = _claim(reading.articles, state, owners, out, stats)
    if prune:
        out.prune, out.prune_aliases = _prunable(state, owners.ids(), reading.origins)
    _decide(claimed, state, out)
    ids_by_origin: dict[str, list[str]] = {}
    for item in reading.articles:
        ids_by_origin.setdefault(item.origin, []).append(item.article.article_id)
    out.stat_cache = {origin: {"stat": stat, "ids": ids_by_origin.get(origin, [])} for origin, stat in stats.items()}
    return out


def _claim(articles: list[ReadArticle], state: ManifestState, owners: Owners, out: Plan,
           stats: dict[str, list[int]]) -> list[ReadArticle]:
    """The articles this run may store: not taken down, and each id once, from its owner
    (`ingest.identity`). The same url and text from another source becomes `also_at`."""
    forgotten_bodies = {e.get("body_hash") for e in state.tombstones.values() if e.get("body_hash")}
    claimed = []
    for item in articles:
        article_id, article = item.document.id_, item.article
        if article_id in state.tombstones or article.body_hash in forgotten_bodies:
            out.skipped.append((article.source_path, f"{TAKEN_DOWN}{article.url or article_id} was taken down "
                                "with `newsbot forget`; `newsbot forget --undo` allows it again)"))
            continue
        verdict = owners.claim(article_id, item.origin, article.body_hash)
        if verdict == Owners.DUPLICATE:
            out.duplicates += 1
        elif verdict == Owners.SAME_TEXT:
            out.also_at.setdefault(article_id, set()).add(article.source_path)
            out.duplicates += 1
        elif verdict == Owners.REFUSED:
            out.skipped.append((article.source_path, owners.refusal(article_id, article.url, item.origin)))
            stats.pop(item.origin, None)  # read again (and named again) on every run
        else:
            claimed.append(item)
    return claimed


def _prunable(state: ManifestState, seen: set[str], read_origins: set[str]) -> tuple[list[str], list[str]]:
    """Stored articles and duplicates not met this run whose source is gone, or whose file
    was read and no longer holds them. A feed keeps the entries that rolled off it."""

    def dropped(origin: str) -> bool:
        return origin_gone(origin) or (origin in read_origins and not is_url(origin))

    articles = [i for i in sorted(state.hashes) if i not in seen and dropped(state.articles.get(i, {}).get("origin", ""))]
    aliases = [i for i, e in sorted(state.aliases.items()) if i not in seen and dropped(e.get("origin", ""))]
    return articles, aliases


def _decide(claimed: list[ReadArticle], state: ManifestState, out: Plan) -> None:
    """New, changed, unchanged, or a duplicate of a body stored (or being stored) under
    another id. Articles go first and known duplicates after, so that a duplicate becomes
    an article of its own in the run where the body it duplicated changed or went away."""
    pruned = set(out.prune)
    bodies: dict[str, str] = {}  # body hash -> id, for the articles of this run
    body_of: dict[str, str] = {}  # id -> body hash, for the articles of this run
    for item in sorted(claimed, key=lambda item: item.document.id_ in state.aliases):
        article_id, body = item.document.id_, item.article.body_hash
        stored_hash = state.hashes.get(article_id)
        body_of[article_id] = body
        if stored_hash is not None and article_id not in pruned:
            if stored_hash == item.document.hash:
                out.unchanged += 1
            else:
                out.updated += 1
                out.replacing.add(article_id)
                out.embed.append(item)
            bodies.setdefault(body, article_id)
            continue
        primary = bodies.get(body) or state.bodies.get(body)
        if primary and primary != article_id and primary not in pruned and body_of.get(primary, body) == body and (
            primary in state.hashes or primary in bodies.values()
        ):
            known = state.aliases.get(article_id)
            if known and known.get("primary") == primary and known.get("body_hash") == body:
                out.unchanged += 1
            else:
                out.duplicates += 1
            out.aliases.append(Alias(item.article, item.origin, primary))
            continue
        out.added += 1
        bodies[body] = article_id
        out.embed.append(item)


def _alias_alive(alias: dict | None, state: ManifestState) -> bool:
    """A recorded duplicate whose original is still stored, with the same body, from a
    source that is still there."""
    if not alias or alias.get("primary") not in state.hashes:
        return False
    primary = state.articles.get(alias["primary"], {})
    return primary.get("body_hash") == alias.get("body_hash") and not origin_gone(primary.get("origin", ""))
