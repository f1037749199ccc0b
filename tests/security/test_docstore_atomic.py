"""The docstore (with newsbot's manifest inside it) is written durably: to a temporary
file that is fsynced, renamed over the old one, and the folder fsynced, so a crash or a
power cut leaves the old docstore or the new one, never an empty or half-written file.
A failure while writing leaves the old docstore in place and no temporary file behind."""

from __future__ import annotations

import errno
import os

import pytest
from llama_index.core.storage.docstore import SimpleDocumentStore

from tests.conftest import make_settings
from index.docstore import docstore_path, load_docstore, save_docstore
from index.manifest import ARTICLES, Manifest


def docstore_with(article_id: str) -> SimpleDocumentStore:
    docstore = SimpleDocumentStore()
    docstore.set_document_hash(article_id, "hash-" + article_id)
    Manifest(docstore).put(ARTICLES, article_id, {"origin": "/news/a.txt", "chunks": 1})
    return docstore


@pytest.fixture
def settings(tmp_path):
    settings = make_settings(tmp_path / "data")
    if settings.chroma_url:
        pytest.skip("server mode keeps the docstore in Chroma, not in a file")
    return settings


def test_written_with_fsync_then_renamed(settings, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, **kwargs):
        events.append(("replace", os.fspath(src), os.fspath(dst)))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    save_docstore(docstore_with("a1"), settings)

    path = str(docstore_path(settings))
    renames = [e for e in events if e[0] == "replace" and e[2] == path]
    assert len(renames) == 1, events
    tmp = renames[0][1]
    at = events.index(renames[0])
    assert ("fsync", tmp) in events[:at], f"the new file was not fsynced before the rename: {events}"
    assert ("fsync", os.path.dirname(path)) in events[at:], f"the folder was not fsynced after it: {events}"
    assert load_docstore(settings).get_document_hash("a1") == "hash-a1"


def test_a_failed_write_keeps_the_old_docstore(settings, monkeypatch):
    save_docstore(docstore_with("old"), settings)
    before = docstore_path(settings).read_bytes()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        save_docstore(docstore_with("new"), settings)
    monkeypatch.undo()
    assert docstore_path(settings).read_bytes() == before
    assert sorted(p.name for p in docstore_path(settings).parent.iterdir()) == ["docstore.json"]
    assert load_docstore(settings).get_document_hash("old") == "hash-old"
