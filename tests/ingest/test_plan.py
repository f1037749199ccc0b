"""`ingest.plan`: what an ingest run embeds, records as a duplicate, replaces and prunes,
decided from what was read and the manifest, without Chroma or the embedding model.

The manifest here is the real one (`index.manifest.Manifest` over llama-index's in-memory
docstore), filled the way a write fills it; sources are real files in tmp dirs, since a
deleted file is what makes a source "gone"."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.storage.docstore import SimpleDocumentStore

from index.manifest import Manifest, ManifestState
from ingest.article import Article
from ingest.chunking import article_to_document
from ingest.plan import Reading, ReadArticle, cached_ids, plan

FEED = "https://feeds.example.org/world.rss"
STAT = [120, 1, 1, 7]


def article(n: int, text: str | None = None, url: str | None = "default", source_path: str = "") -> Article:
    return Article(
        title=f"Story {n}",
        text=text or f"Story number {n} happened on a Tuesday, officials said.",
        source_path=source_path or f"/drop/{n}.txt",
        url=f"https://news.example.com/story-{n}" if url == "default" else url,
    )


def item(a: Article, origin: str) -> ReadArticle:
    return ReadArticle(article_to_document(a), a, origin)


def source(folder: Path, name: str) -> str:
    """A real file, so that its origin is not gone."""
    path = folder / name
    path.write_text("x", encoding="utf-8")
    return str(path)


class Stored:
    """A manifest filled as `ingest.write` fills it."""

    def __init__(self):
        self.docstore = SimpleDocumentStore()
        self.manifest = Manifest(self.docstore)

    def article(self, a: Article, origin: str) -> Stored:
        doc = article_to_document(a)
        self.docstore.set_document_hash(doc.id_, doc.hash)
        self.manifest.store_article(a.article_id, {"origin": origin, "source_path": a.source_path,
                                                   "url": a.url or "", "body_hash": a.body_hash, "chunks": 1})
        return self

    def alias(self, a: Article, origin: str, primary: Article) -> Stored:
        self.manifest.record_alias(a.article_id, {"primary": primary.article_id, "origin": origin,
                                                  "source_path": a.source_path, "url": a.url or "",
                                                  "body_hash": a.body_hash})
        return self

    def state(self) -> ManifestState:
        return self.manifest.state()


def reading(*items: ReadArticle, stats: dict | None = None) -> Reading:
    return Reading(articles=list(items), origins={i.origin for i in items}, stats=stats or {})


def ids(items) -> list[str]:
    return [i.document.id_ for i in items]


def stored_duplicate(drop: Path):
    """Article 1 stored from 1.txt, and 2.txt's article 2 (same text) recorded as its duplicate."""
    first, copy = article(1), article(2, text=article(1).text)
    origin, copy_origin = source(drop, "1.txt"), source(drop, "2.txt")
    return first, copy, origin, copy_origin, Stored().article(first, origin).alias(copy, copy_origin, first).state()


@pytest.fixture
def drop(tmp_path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_a_new_article_is_embedded(drop):
    a = article(1)
    got = plan(reading(item(a, source(drop, "1.txt"))), ManifestState.empty())
    assert ids(got.embed) == [a.article_id] and got.added == 1
    assert got.replacing == set() and got.aliases == [] and got.prune == [] and got.skipped == []


def test_an_unchanged_article_is_not_embedded(drop):
    a, origin = article(1), source(drop, "1.txt")
    got = plan(reading(item(a, origin)), Stored().article(a, origin).state())
    assert got.embed == [] and (got.unchanged, got.added, got.updated) == (1, 0, 0)


def test_a_changed_body_replaces_the_stored_version(drop):
    old, origin = article(1), source(drop, "1.txt")
    new = article(1, text="Story number 1 was corrected on Wednesday, officials said.")
    got = plan(reading(item(new, origin)), Stored().article(old, origin).state())
    assert ids(got.embed) == [new.article_id] and got.replacing == {new.article_id}
    assert (got.updated, got.added) == (1, 0)


def test_a_changed_title_alone_also_replaces_it(drop):
    old, origin = article(1), source(drop, "1.txt")
    new = Article(title="A better headline", text=old.text, source_path=old.source_path, url=old.url)
    got = plan(reading(item(new, origin)), Stored().article(old, origin).state())
    assert got.replacing == {old.article_id} and got.updated == 1


def test_the_same_body_at_another_url_is_recorded_as_a_duplicate(drop):
    first, origin = article(1), source(drop, "1.txt")
    copy = article(2, text=first.text)
    got = plan(reading(item(copy, source(drop, "2.txt"))), Stored().article(first, origin).state())
    assert got.embed == [] and got.duplicates == 1
    assert [(a.article.article_id, a.primary) for a in got.aliases] == [(copy.article_id, first.article_id)]


def test_the_body_ignores_case_and_spacing(drop):
    first = article(1, text="Rates rose on Monday.")
    copy = article(2, text="  rates ROSE\non   Monday. ")
    got = plan(reading(item(first, source(drop, "1.txt")), item(copy, source(drop, "2.txt"))), ManifestState.empty())
    assert ids(got.embed) == [first.article_id] and [a.primary for a in got.aliases] == [first.article_id]


def test_a_recorded_duplicate_read_again_is_unchanged(drop):
    first, copy, origin, copy_origin, state = stored_duplicate(drop)
    got = plan(reading(item(first, origin), item(copy, copy_origin)), state)
    assert got.unchanged == 2 and got.duplicates == 0 and got.embed == []
    assert len(got.aliases) == 1  # recorded again: the write step refreshes its entry


def test_the_same_body_twice_in_one_run_is_stored_once(drop):
    first, copy = article(1), article(2, text=article(1).text)
    got = plan(reading(item(first, source(drop, "1.txt")), item(copy, source(drop, "2.txt"))), ManifestState.empty())
    assert ids(got.embed) == [first.article_id] and got.added == 1 and got.duplicates == 1
    assert [a.primary for a in got.aliases] == [first.article_id]


def test_the_same_id_twice_from_one_source_is_stored_once(drop):
    origin = source(drop, "export.jsonl")
    a = article(1)
    got = plan(reading(item(a, origin), item(article(1, text="A second record with the same url."), origin)),
               ManifestState.empty())
    assert ids(got.embed) == [a.article_id] and got.added == 1 and got.duplicates == 1


def test_a_duplicate_whose_original_changed_becomes_an_article(drop):
    first, copy, origin, copy_origin, state = stored_duplicate(drop)
    edited = article(1, text="Story number 1 was rewritten entirely.")
    got = plan(reading(item(edited, origin), item(copy, copy_origin)), state)
    assert ids(got.embed) == [first.article_id, copy.article_id] and got.replacing == {first.article_id}
    assert (got.updated, got.added, got.duplicates) == (1, 1, 0) and got.aliases == []


def test_a_duplicate_of_a_pruned_original_becomes_an_article(drop):
    first, copy, origin, copy_origin, state = stored_duplicate(drop)
    Path(origin).unlink()
    got = plan(reading(item(copy, copy_origin)), state, prune=True)
    assert got.prune == [first.article_id]
    assert ids(got.embed) == [copy.article_id] and got.added == 1 and got.aliases == []


def test_another_source_with_the_same_url_and_text_is_noted_not_stored(drop):
    a, origin = article(1), source(drop, "1.txt")
    mirror = article(1, source_path=str(drop / "mirror.html"))
    got = plan(reading(item(mirror, source(drop, "mirror.html"))), Stored().article(a, origin).state())
    assert got.embed == [] and got.duplicates == 1
    assert got.also_at == {a.article_id: {mirror.source_path}}


def test_another_source_with_the_same_url_and_other_text_is_refused_and_not_stat_cached(drop):
    a, origin = article(1), source(drop, "1.txt")
    forged_origin = source(drop, "forged.txt")
    forged = article(1, text="Completely different words under the same headline.", source_path=forged_origin)
    got = plan(reading(item(forged, forged_origin), stats={forged_origin: STAT}), Stored().article(a, origin).state())
    assert got.embed == [] and got.stat_cache == {}
    [(path, reason)] = got.skipped
    assert path == forged_origin and "already indexed from" in reason and origin in reason


def test_the_url_of_a_deleted_source_may_be_taken_over(drop):
    a, origin = article(1), source(drop, "1.txt")
    state = Stored().article(a, origin).state()
    Path(origin).unlink()
    successor = article(1, text="The story as another file tells it.")
    got = plan(reading(item(successor, source(drop, "other.txt"))), state)
    assert got.skipped == [] and got.replacing == {a.article_id}


def test_an_article_gone_from_a_file_that_was_read_is_pruned(drop):
    kept, dropped = article(1), article(2)
    origin = source(drop, "export.jsonl")
    state = Stored().article(kept, origin).article(dropped, origin).state()
    got = plan(reading(item(kept, origin)), state, prune=True)
    assert got.prune == [dropped.article_id] and got.unchanged == 1
    assert plan(reading(item(kept, origin)), state).prune == []  # only with --prune


def test_articles_of_a_deleted_file_are_pruned_and_those_of_an_unread_file_kept(drop):
    gone, unread = article(1), article(2)
    gone_origin, unread_origin = source(drop, "1.txt"), source(drop, "2.txt")
    state = Stored().article(gone, gone_origin).article(unread, unread_origin).state()
    Path(gone_origin).unlink()
    got = plan(Reading(), state, prune=True)  # 2.txt could not be read this time
    assert got.prune == [gone.article_id]


def test_entries_that_rolled_off_a_feed_are_kept(drop):
    old = article(1)
    state = Stored().article(old, FEED).state()
    got = plan(reading(item(article(2), FEED)), state, prune=True)
    assert got.prune == [] and got.added == 1


def test_a_duplicate_whose_file_is_gone_is_pruned(drop):
    first, copy, origin, copy_origin, state = stored_duplicate(drop)
    Path(copy_origin).unlink()
    got = plan(reading(item(first, origin)), state, prune=True)
    assert got.prune == [] and got.prune_aliases == [copy.article_id]


def test_a_forgotten_article_is_skipped_by_url_and_by_text(drop):
    a = article(1)
    stored = Stored()
    stored.manifest.bury(a.article_id, {"url": a.url, "title": a.title, "body_hash": a.body_hash,
                                        "reason": "legal", "time": "2026-01-01T00:00:00+00:00"})
    again = item(a, source(drop, "1.txt"))
    reposted = item(article(9, text=a.text), source(drop, "9.txt"))
    got = plan(reading(again, reposted), stored.state())
    assert got.embed == [] and got.aliases == [] and got.added == 0
    assert [p for p, _ in got.skipped] == [a.source_path, reposted.article.source_path]
    assert all(r.startswith("forgotten (") and "newsbot forget --undo" in r for _, r in got.skipped)


def test_the_stat_cache_records_every_id_of_a_file_read_whole(drop):
    origin = source(drop, "export.jsonl")
    first, copy = article(1), article(2, text=article(1).text)
    got = plan(reading(item(first, origin), item(copy, origin), stats={origin: STAT}), ManifestState.empty())
    assert got.stat_cache == {origin: {"stat": STAT, "ids": [first.article_id, copy.article_id]}}


def test_a_stat_cached_file_counts_as_unchanged_and_is_not_pruned(drop):
    a, origin = article(1), source(drop, "1.txt")
    state = Stored().article(a, origin).state()
    got = plan(Reading(cached={origin: [a.article_id]}, origins={origin}), state, prune=True)
    assert got.unchanged == 1 and got.prune == [] and got.embed == []


def test_the_stat_cache_holds_only_while_stat_and_articles_do(drop):
    first, copy, origin, copy_origin, state = stored_duplicate(drop)
    assert cached_ids({"stat": STAT, "ids": [first.article_id]}, STAT, state) == [first.article_id]
    assert cached_ids({"stat": STAT, "ids": [copy.article_id]}, STAT, state) == [copy.article_id]  # its original lives
    assert cached_ids({"stat": STAT, "ids": [first.article_id]}, [121, 1, 1, 7], state) is None  # file changed
    assert cached_ids({"stat": STAT, "ids": ["0123456789abcdef"]}, STAT, state) is None  # no longer stored
    assert cached_ids(None, STAT, state) is None and cached_ids({"stat": STAT, "ids": []}, None, state) is None
    edited = Stored().article(article(1, text="Story number 1 was rewritten."), origin).alias(copy, copy_origin, first)
    assert cached_ids({"stat": STAT, "ids": [copy.article_id]}, STAT, edited.state()) is None  # original's body changed
    Path(origin).unlink()
    assert cached_ids({"stat": STAT, "ids": [copy.article_id]}, STAT, state) is None  # its original's file is gone
