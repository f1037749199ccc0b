"""`index.manifest.Manifest`: newsbot's bookkeeping beside llama-index's document hashes,
on both key-value stores it lives in (the embedded JSON docstore and, in server mode, a
Chroma collection: here an in-memory Chroma client)."""

from __future__ import annotations

import uuid

import pytest
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.storage.docstore.keyval_docstore import KVDocumentStore

from index.manifest import ALIASES, ARTICLES, BODIES, FILES, Manifest

A, B, C = "a" * 16, "b" * 16, "c" * 16


@pytest.fixture(params=["embedded", "chroma"])
def docstore(request):
    if request.param == "embedded":
        return SimpleDocumentStore()
    import chromadb

    from index.chroma_kvstore import ChromaKVStore

    return KVDocumentStore(ChromaKVStore(chromadb.EphemeralClient(), f"manifest-{uuid.uuid4().hex[:8]}"))


@pytest.fixture
def manifest(docstore) -> Manifest:
    return Manifest(docstore)


def entry(body: str, origin: str = "/news/a.txt", **extra) -> dict:
    return {"origin": origin, "source_path": origin, "url": "", "body_hash": body, "chunks": 2, **extra}


def store(manifest: Manifest, article_id: str, body: str, **extra) -> dict:
    manifest.docstore.set_document_hash(article_id, f"hash-of-{article_id}-{body}")
    return manifest.store_article(article_id, entry(body, **extra))


def test_storing_an_article_maps_its_body_and_ends_it_being_a_duplicate(manifest):
    manifest.record_alias(A, {"primary": B, "origin": "/news/a.txt", "source_path": "/news/a.txt", "url": "",
                              "body_hash": "body-1"})
    assert store(manifest, A, "body-1") == {}
    assert manifest.get(ARTICLES, A) == entry("body-1")
    assert manifest.primary_for_body("body-1") == A
    assert manifest.get(ALIASES, A) is None and manifest.article_ids() == {A}


def test_a_new_body_releases_the_old_one_and_keeps_also_at(manifest):
    store(manifest, A, "body-1")
    manifest.add_also_at(A, ["/mirror/a.html"])
    old = store(manifest, A, "body-2")
    assert old["body_hash"] == "body-1" and old["also_at"] == ["/mirror/a.html"]
    assert manifest.get(ARTICLES, A) == entry("body-2", also_at=["/mirror/a.html"])
    assert manifest.primary_for_body("body-1") is None and manifest.primary_for_body("body-2") == A


def test_a_body_mapped_to_another_article_is_not_released(manifest):
    store(manifest, A, "body-1")
    manifest.put(BODIES, "body-1", {"id": B})  # stored again under B since
    store(manifest, A, "body-2")
    assert manifest.primary_for_body("body-1") == B
    manifest.drop_article(A)
    assert manifest.primary_for_body("body-1") == B and manifest.primary_for_body("body-2") is None


def test_dropping_an_article_forgets_its_hash_entry_and_body(manifest):
    store(manifest, A, "body-1")
    store(manifest, B, "body-2")
    manifest.drop_article(A)
    assert manifest.article_ids() == {B}
    assert manifest.docstore.get_document_hash(A) is None
    assert manifest.get(ARTICLES, A) is None and manifest.primary_for_body("body-1") is None
    manifest.drop_article(C)  # unknown: nothing to do, no error
    assert manifest.article_ids() == {B}


def test_also_at_says_whether_anything_was_new(manifest):
    store(manifest, A, "body-1")
    assert manifest.add_also_at(A, {"/z.html", "/m.html"}) is True
    assert manifest.add_also_at(A, {"/m.html"}) is False
    assert manifest.add_also_at(A, {"/m.html", "/b.html"}) is True
    assert manifest.get(ARTICLES, A)["also_at"] == ["/b.html", "/m.html", "/z.html"]
    assert manifest.add_also_at(C, {"/x.html"}) is False and manifest.get(ARTICLES, C) is None


def test_duplicates_name_the_places_of_their_primary(manifest):
    store(manifest, A, "body-1")
    manifest.add_also_at(A, ["/mirror/a.html"])
    manifest.record_alias(B, {"primary": A, "origin": "/news/b.txt", "source_path": "/news/b.txt",
                              "url": "https://b.example/story", "body_hash": "body-1"})
    manifest.record_alias(C, {"primary": A, "origin": "/news/c.txt", "source_path": "/news/c.txt",
                              "url": "", "body_hash": "body-1"})
    assert manifest.alias_primaries() == {A}
    assert manifest.places_of(A) == ["/mirror/a.html", "/news/c.txt", "https://b.example/story"]
    manifest.drop_alias(C)
    assert manifest.places_of(A) == ["/mirror/a.html", "https://b.example/story"]
    assert manifest.places_of(B) == []


def test_the_stat_cache_of_files_holding_an_article_is_forgotten(manifest):
    manifest.cache_file("/news/1.jsonl", [10, 1, 1, 5], [A, B])
    manifest.cache_file("/news/2.jsonl", [11, 1, 1, 6], [C])
    manifest.cache_file("/news/3.txt", [12, 1, 1, 7], [])
    manifest.forget_files_with(B, "0" * 16)
    assert set(manifest.all(FILES)) == {"/news/2.jsonl", "/news/3.txt"}
    assert manifest.get(FILES, "/news/2.jsonl") == {"stat": [11, 1, 1, 6], "ids": [C]}
    manifest.forget_files(["/news/3.txt"])
    assert set(manifest.all(FILES)) == {"/news/2.jsonl"}


def test_a_tombstone_is_kept_until_unburied(manifest):
    stone = {"url": "https://x.example/a", "title": "A", "body_hash": "body-1", "reason": "legal", "time": "t"}
    manifest.bury(A, stone)
    assert manifest.tombstones() == {A: stone}
    assert manifest.unbury(A) == stone and manifest.tombstones() == {}
    assert manifest.unbury(A) is None


def test_state_is_a_snapshot_of_every_collection(manifest):
    store(manifest, A, "body-1")
    manifest.record_alias(B, {"primary": A, "origin": "/news/b.txt", "source_path": "/news/b.txt", "url": "",
                              "body_hash": "body-1"})
    manifest.cache_file("/news/a.txt", [1, 2, 3, 4], [A])
    manifest.bury(C, {"url": "", "title": "", "body_hash": "", "reason": "", "time": "t"})
    state = manifest.state()
    assert state.hashes == {A: "hash-of-" + A + "-body-1"}
    assert state.articles == {A: entry("body-1")} and set(state.aliases) == {B}
    assert state.bodies == {"body-1": A} and state.files == {"/news/a.txt": {"stat": [1, 2, 3, 4], "ids": [A]}}
    assert set(state.tombstones) == {C}
    manifest.drop_article(A)
    assert A in state.hashes and state.bodies == {"body-1": A}  # taken before the write


def test_the_manifest_travels_with_the_docstore_file():
    docstore = SimpleDocumentStore()
    manifest = Manifest(docstore)
    store(manifest, A, "body-1")
    manifest.cache_file("/news/a.txt", [1, 2, 3, 4], [A])
    again = Manifest(SimpleDocumentStore.from_dict(docstore.to_dict()))
    assert again.state() == manifest.state()
