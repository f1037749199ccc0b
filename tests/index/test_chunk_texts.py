"""The chunk table keeps no chunk texts: a question's final hits read theirs from Chroma,
so what a hit quotes is what Chroma holds, the disk cache never copies an article's
text, and a chunk that left Chroma after the question's snapshot is dropped rather than
returned empty. Real store, real embeddings, real ingest."""

from __future__ import annotations

import json

import pytest

from index.chunks import CACHE_FORMAT, ChunkTable
from index.retrieval import retrieve, retrieve_articles
from index.store import open_store
from ingest.run import ingest_sources
from tests.conftest import make_settings

QUESTION = "Where did the winter storm close the harbour?"


@pytest.fixture()
def store(tmp_path):
    root = tmp_path / "articles"
    root.mkdir()
    for i in range(6):
        (root / f"storm{i}.txt").write_text(
            f"Storm report {i}\n\nCreated: MARCH {i + 1}, 2024\n\n"
            f"A winter storm closed the harbour of district {i}; zebra{i} crews cleared roads.\n")
    settings = make_settings(tmp_path / "data", llm="none")
    assert ingest_sources(settings, [root]).added == 6
    return open_store(settings)


def _stored(store, chunk_ids):
    got = store.collection.get(ids=list(chunk_ids), include=["documents"])
    return dict(zip(got["ids"], got["documents"]))


def test_hits_quote_what_chroma_holds(store):
    for hits in (retrieve(store, QUESTION, 4), retrieve_articles(store, QUESTION, 6, method="keyword")):
        assert hits
        for hit in hits:
            stored = _stored(store, [c for c, _ in hit.chunks])
            assert hit.chunks and all(text == stored[c] and "zebra" in text for c, text in hit.chunks)
    article = hits[0].article_id
    assert "zebra" in store.chunks.article_text(article)
    chunk_id = hits[0].chunk_id
    assert store.chunks.chunk(chunk_id) == (_stored(store, [chunk_id])[chunk_id], store.chunks.metadata(chunk_id))


def test_the_disk_cache_holds_no_article_text(store):
    table = ChunkTable(store)
    table.ensure_current()
    cached = list(table.cache_dir.glob("rev-*/*"))
    assert {p.name for p in cached} >= {"chunks.json", "bm25.npz", "meta.json"}
    for path in cached:  # BM25's vocabulary keeps single words, never a sentence
        assert b"closed the harbour" not in path.read_bytes(), path


def test_a_chunk_gone_since_the_snapshot_is_left_out(store):
    table = store.chunks
    with table.pinned():
        gone = retrieve(store, "zebra3", 1, method="keyword")[0].article_id
        store.delete_articles([gone])  # another process's takedown, its revision bump not yet seen
        hits = retrieve(store, "zebra3 crews", 6)
        assert gone in {table.article_of(h.chunk_id) for h in table.search("zebra3 crews", 6)}  # still in the snapshot
    assert hits and gone not in {h.article_id for h in hits}
    assert all(h.text and all(text for _, text in h.chunks) for h in hits)


def test_a_cache_of_another_format_is_rebuilt_not_misread(store):
    ChunkTable(store).ensure_current()
    cache = next(ChunkTable(store).cache_dir.glob("rev-*"))
    meta = json.loads((cache / "meta.json").read_text())
    (cache / "meta.json").write_text(json.dumps({**meta, "format": CACHE_FORMAT - 1}))
    builds = []

    class Counting(ChunkTable):
        def _build(self, revision, collection_id):
            builds.append(revision)
            return super()._build(revision, collection_id)

    cold = Counting(store)
    cold.ensure_current()
    assert builds == [meta["revision"]] and len(cold) == store.count()
    assert json.loads((next(cold.cache_dir.glob("rev-*")) / "meta.json").read_text())["format"] == CACHE_FORMAT
