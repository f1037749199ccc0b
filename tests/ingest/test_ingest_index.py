"""Ingest into a real embedded Chroma with the real MiniLM model: counts, re-runs, updates,
prune, duplicates, bad input, the CLI's JSON and exit codes, `check` and `stats`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import store_env
from tests.ingest.conftest import CORPUS_ARTICLES, REPO, SEED_FILE, by_title, stored
from index.check import check_index
from ingest.run import ingest_sources

REPORT_KEYS = {"added", "updated", "unchanged", "removed", "duplicates", "skipped", "chunks_embedded", "seconds"}


def test_ingest_rerun_edit_prune_and_duplicates(settings, corpus):
    first = ingest_sources(settings)
    assert set(first.to_dict()) == REPORT_KEYS
    assert first.added == CORPUS_ARTICLES and first.skipped == [] and first.chunks_embedded > CORPUS_ARTICLES
    arts = by_title(settings)
    assert arts["Mobile phone sales hit record level"]["meta"]["category"] == "tech"
    assert arts["Harbour bridge reopens after repairs"]["meta"]["url"].startswith("https://coastal.example.com")
    assert arts["River festival draws record crowds"]["meta"]["published"] == "2023-08-12"
    seed = arts["Rubio Uses Waivers to Maintain Key Border Security and Anti-Fentanyl Programs in Mexico"]
    for chunk_id, text in seed["chunks"]:
        for clutter in ("Marco Rubio in Dominican Republic", "Claudia Sheinbaum of Mexico",
                        "Trump, Mexico agree to pause tariffs", "Comments(0)", "Top Comments", "Comment Form"):
            assert clutter not in text, (chunk_id, clutter)
    assert check_index(settings).clean

    # re-run: nothing embedded, and not even read (stat cache), nor without the cache
    again = ingest_sources(settings)
    assert (again.added, again.updated, again.chunks_embedded) == (0, 0, 0)
    assert again.unchanged == CORPUS_ARTICLES
    uncached = ingest_sources(settings, use_stat_cache=False)
    assert (uncached.chunks_embedded, uncached.unchanged) == (0, CORPUS_ARTICLES)

    # edit one: one update, its old text gone from every chunk and from a vector query
    path = corpus / "tech" / "001.txt"
    old_sentence = "Analysts said the growth would slow in 2005 as markets in Europe became saturated."
    path.write_text(path.read_text().replace(old_sentence, "Analysts now expect growth to continue in Asia."))
    edited = ingest_sources(settings)
    assert (edited.added, edited.updated, edited.unchanged) == (0, 1, CORPUS_ARTICLES - 1)
    texts = [t for e in stored(settings).values() for _, t in e["chunks"]]
    assert not any("saturated" in t for t in texts)
    assert any("continue in Asia" in t for t in texts)
    from index.embedding import get_embed_model
    from index.store import open_store

    vector = get_embed_model().get_query_embedding(old_sentence)
    hits = open_store(settings).collection.query(query_embeddings=[vector], n_results=3, include=["documents"])
    assert not any("saturated" in d for d in hits["documents"][0])
    assert check_index(settings).clean

    # the same body under a second id (a copy under another path): stored once, both recorded
    shutil.copy(SEED_FILE, corpus / "tech" / "copy-of-seed.txt")
    dup = ingest_sources(settings)
    assert (dup.duplicates, dup.added, dup.chunks_embedded) == (1, 0, 0)
    seed_chunks = [e for e in stored(settings).values() if e["meta"]["title"].startswith("Rubio Uses Waivers")]
    assert len(seed_chunks) == 1
    assert "copy-of-seed.txt" in seed_chunks[0]["meta"]["also_at"]
    assert ingest_sources(settings).duplicates == 0  # known duplicate: unchanged now

    # delete one + --prune: removed (without --prune it stays)
    (corpus / "bridge.html").unlink()
    kept = ingest_sources(settings)
    assert kept.removed == 0 and "Harbour bridge reopens after repairs" in by_title(settings)
    pruned = ingest_sources(settings, prune=True)
    assert pruned.removed == 1 and pruned.chunks_embedded == 0
    assert "Harbour bridge reopens after repairs" not in by_title(settings)
    assert len(stored(settings)) == CORPUS_ARTICLES - 1
    assert check_index(settings).clean

    # the original of a duplicate goes away: the copy becomes the stored article
    (corpus / SEED_FILE.name).unlink()
    promoted = ingest_sources(settings, prune=True)
    assert promoted.removed == 1 and promoted.added == 1
    seeds = [e for e in stored(settings).values() if e["meta"]["title"].startswith("Rubio Uses Waivers")]
    assert len(seeds) == 1 and seeds[0]["meta"]["source_path"].endswith("copy-of-seed.txt")
    assert check_index(settings).clean


def test_bad_input_is_skipped_by_name_and_the_rest_ingests(settings, corpus):
    bad = corpus / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (bad / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with open(bad / "huge.txt", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: a 200 MB file that takes no disk
    (bad / "locked.txt").mkdir()  # unreadable: a folder where a file should be (root reads any file)
    with open(corpus / "export.jsonl", "a") as handle:
        handle.write('{"url": "https://news.example.org/cut", "title": "Cut", "text": "Trunc')
    report = ingest_sources(settings)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in report.skipped}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "no article text" in reasons["nav.html"]
    assert "NEWSBOT_MAX_ARTICLE_BYTES" in reasons["huge.txt"]
    assert "folder" in reasons["locked.txt"]
    assert "broken JSON" in reasons["export.jsonl:3"]
    assert report.added == CORPUS_ARTICLES  # everything else went in, both good JSON lines too


def _cli(args, settings, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    full.update({"NEWSBOT_DATA_DIR": str(settings.data_dir), "NEWSBOT_SOURCES": ",".join(settings.sources)})
    full.update({**store_env(settings.data_dir), **env})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=300)


def test_cli_json_exit_codes_check_and_stats(settings, corpus):
    done = _cli(["reindex", "--json"], settings)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == REPORT_KEYS and report["added"] == CORPUS_ARTICLES
    (corpus / "empty.txt").write_bytes(b"")
    some_skipped = _cli(["ingest", "--json"], settings)
    assert some_skipped.returncode == 1
    assert json.loads(some_skipped.stdout)["skipped"][0]["reason"] == "file is empty"
    fatal = _cli(["ingest"], settings, NEWSBOT_CHROMA_URL="not a url")
    assert fatal.returncode == 2 and "NEWSBOT_CHROMA_URL" in fatal.stderr
    checked = _cli(["check", "--json"], settings)
    assert checked.returncode == 0 and json.loads(checked.stdout)["clean"] is True
    facts = json.loads(_cli(["stats", "--json"], settings).stdout)
    assert facts["articles"] == CORPUS_ARTICLES and facts["chunks"] >= CORPUS_ARTICLES
    assert facts["date_range"] == ["2022-06-01", "2025-01-24"]
    if settings.chroma_url:  # the server pass: the server holds the index, not the data dir
        assert facts["store_mode"] == "server"
    else:
        assert facts["store_mode"] == "embedded" and facts["index_bytes"] > 0
    assert facts["embedding_model"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert facts["sources"]["tech"] == 1 and facts["sources"]["Valley Herald"] == 2


def test_check_finds_and_repairs_disagreement(settings):
    from index.store import open_store

    ingest_sources(settings)
    store = open_store(settings)
    some = store.collection.get(limit=1, include=["embeddings", "metadatas", "documents"])
    meta = dict(some["metadatas"][0], article_id="ghost", document_id="ghost", ref_doc_id="ghost", doc_id="ghost")
    store.collection.add(ids=["ghost-0000"], embeddings=some["embeddings"], metadatas=[meta],
                         documents=some["documents"])
    victim = by_title(settings)["Largest solar farm opens"]["meta"]["article_id"]
    store.collection.delete(where={"document_id": victim})
    report = check_index(settings)
    assert report.orphan_chunks == ["ghost-0000"] and report.articles_without_chunks == [victim]
    assert check_index(settings, repair=True).repaired
    assert check_index(settings).clean
    again = ingest_sources(settings)
    assert again.added == 1 and check_index(settings).clean
    assert len(stored(settings)) == CORPUS_ARTICLES
