"""A writer that died between changing chunks and logging its write (kill -9 mid-takedown)
leaves a change no write-log record names. Readers catch up by the log's deltas, so the
next write must make them rebuild, or a taken-down article stays in a long-lived bot's
keyword table. Embedded store (the writer lock is what notices the crash); real ingest."""

from __future__ import annotations

import json

import pytest

from index.chunks import ChunkTable
from index.store import open_store
from ingest.run import ingest_sources
from tests.conftest import SERVER_URL, make_settings

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="the writer lock (embedded) detects a crashed writer")

ARTICLES = [
    {"url": f"https://news.example.org/2022/06/1{n}/story-{n}", "title": title, "text": text,
     "published": f"2022-06-1{n}", "source": "news.example.org"}
    for n, (title, text) in enumerate([
        ("Dock workers strike at the harbour port", "Dock workers at the harbour port walked out over pay."),
        ("Cherry harvest arrives early", "Orchards in the valley began the cherry harvest two weeks early."),
        ("Library opens a night reading room", "The city library opened a reading room that stays open all night."),
    ])
]


def test_a_write_after_a_crashed_writer_makes_readers_rebuild(tmp_path):
    data = tmp_path / "data"
    settings = make_settings(data, llm="none")
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES[:2]) + "\n")
    ingest_sources(settings, [source])
    store = open_store(settings)
    reader = ChunkTable(store)  # the long-lived bot
    harbour = next(m["article_id"] for m in reader.metadatas() if "harbour" in m["title"])

    # a takedown killed after deleting the chunks, before its log record and revision bump
    store.collection.delete(where={"document_id": harbour})
    (data / "writer.lock").write_text("99999")  # what a killed holder leaves behind

    (source / "b.jsonl").write_text(json.dumps(ARTICLES[2]) + "\n")
    assert ingest_sources(settings, [source]).added == 1  # the next writer
    reader.ensure_current()
    assert harbour not in reader.article_ids()
    assert not [h for h in reader.search("dock workers harbour port strike", 5) if h.metadata.get("article_id") == harbour]
