"""`newsbot reembed`: an index built by another runtime gets this runtime's vectors in
place, with its texts and metadata kept, and a stop half way is finished by running it
again; no process reads the collection while it holds vectors of two runtimes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import SEEDS, SHARED, make_settings, run_newsbot

BBC = SHARED / "corpora" / "bbc" / "tech"


class Stop(Exception):
    pass


@pytest.fixture()
def torch_index(tmp_path):
    """Seeds and a few BBC articles embedded by the torch runtime."""
    if not BBC.is_dir():
        pytest.skip(f"needs the BBC corpus at {BBC}")
    sources = tmp_path / "sources"
    sources.mkdir()
    for path in [*SEEDS.glob("*.txt"), *sorted(BBC.glob("*.txt"))[:6]]:
        (sources / path.name).write_bytes(path.read_bytes())
    data_dir = tmp_path / "data"
    run_newsbot(["ingest", str(sources)], data_dir, NEWSBOT_EMBED_BACKEND="torch")
    return data_dir


def _records(settings):
    from index.store import open_store

    collection = open_store(settings).client.get_collection(settings.collection, embedding_function=None)
    got = collection.get(include=["metadatas", "documents", "embeddings"])
    return {i: (m, d, np.asarray(e)) for i, m, d, e in zip(got["ids"], got["metadatas"], got["documents"], got["embeddings"])}


def test_a_stopped_reembed_is_finished_by_running_it_again(torch_index, monkeypatch):
    from index import reembed as module
    from index.embedding import encode
    from index.schema import embedded_text
    from index.store import StoreError, open_store

    onnx, torch_settings = make_settings(torch_index, embed_backend="onnx"), make_settings(torch_index, embed_backend="torch")
    before = _records(onnx)
    assert len(before) > 8

    monkeypatch.setattr(module, "PAGE", 4)
    pages = []

    def stop_after_two(done, total):
        pages.append(done)
        if len(pages) == 2:
            raise Stop

    with pytest.raises(Stop):
        module.reembed(onnx, progress=stop_after_two)
    # half converted: neither runtime reads it, and both are told how to finish
    for settings in (onnx, torch_settings):
        with pytest.raises(StoreError, match="newsbot reembed"):
            open_store(settings).collection

    report = module.reembed(onnx, progress=lambda done, total: pages.append(done))
    assert report.already_done == 8 and report.reembedded == len(before) - 8
    assert report.chunks == len(before) and pages[-1] == len(before)

    after = _records(onnx)
    assert after.keys() == before.keys()
    ids = sorted(after)
    texts = [embedded_text(after[i][0], after[i][1]) for i in ids]
    expected = encode(texts, backend="onnx")
    stored = np.stack([after[i][2] for i in ids])
    assert np.abs(stored - expected).max() < 1e-5  # the onnx vectors of the very texts that were embedded
    old = np.stack([before[i][2] for i in ids])
    assert (old * stored).sum(axis=1).min() > 0.98 and np.abs(old - stored).max() > 1e-4  # torch's, replaced
    for i in ids:  # text and metadata kept; only the mark added
        meta = dict(after[i][0])
        assert meta.pop(module.MARK) == open_store(onnx).embedding_id
        assert meta == before[i][0] and after[i][1] == before[i][1]

    assert open_store(onnx).count() == len(before)
    assert module.reembed(onnx).reembedded == 0  # done: nothing to do
    with pytest.raises(StoreError, match="newsbot reembed"):
        open_store(torch_settings).collection


def test_reembedded_index_answers_like_a_fresh_one(torch_index, tmp_path):
    """After the re-embed, the same question retrieves what an index built by onnx
    retrieves, and `check` is clean."""
    from index.retrieval import retrieve
    from index.store import open_store

    run_newsbot(["reembed"], torch_index, NEWSBOT_EMBED_BACKEND="onnx")
    fresh = tmp_path / "fresh"
    run_newsbot(["ingest", str(torch_index.parent / "sources")], fresh, NEWSBOT_EMBED_BACKEND="onnx")
    for question in ("How much money in waivers have Mexican programs received?", "mobile phone games"):
        got = retrieve(open_store(make_settings(torch_index, embed_backend="onnx")), question, 3)
        want = retrieve(open_store(make_settings(fresh, embed_backend="onnx")), question, 3)
        assert [h.chunk_id for h in got] == [h.chunk_id for h in want]
        assert max(abs(a.score - b.score) for a, b in zip(got, want)) < 1e-4
    check = run_newsbot(["check", "--json"], torch_index, NEWSBOT_EMBED_BACKEND="onnx")
    assert json.loads(check.stdout)["clean"]


def test_embedded_text_is_what_ingest_embeds():
    """The re-embed recomputes a vector from the stored chunk; that text must be exactly the
    one llama-index embedded at ingest (title, blank line, chunk)."""
    from llama_index.core.schema import MetadataMode

    from index.schema import embedded_text
    from ingest.chunking import article_to_document, make_splitter
    from ingest.readers import read_file

    articles = read_file(next(SEEDS.glob("*.txt")))
    nodes = make_splitter(200, 20).get_nodes_from_documents([article_to_document(a) for a in articles])
    assert len(nodes) > 1
    for node in nodes:
        assert embedded_text(node.metadata, node.text) == node.get_content(metadata_mode=MetadataMode.EMBED)
    untitled = dict(nodes[0].metadata, title="")
    assert embedded_text(untitled, "body") == "body"
