"""Watches and post records in the store of this pass (embedded Chroma, or the Chroma
server): what one process writes, another (the CLI, a restarted bot) reads."""

from __future__ import annotations

import json

import pytest

from index.watches import Post, WatchError, WatchStore
from tests.conftest import make_settings, run_newsbot


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def watch_store(data_dir) -> WatchStore:
    """A fresh store object each time: as a new process would open it."""
    from index.store import open_store

    return WatchStore(open_store(make_settings(data_dir, llm="none")))


def test_add_list_remove_across_processes(data_dir):
    first = watch_store(data_dir).add("C1", "  port   strike ", by="UALICE")
    assert first.query == "port strike" and first.id.startswith("w") and first.mark == 0
    out = run_newsbot(["watches", "add", "C2", "Iceland", "volcano"], data_dir)  # another process
    cli_id = out.stdout.split()[0]
    listed = json.loads(run_newsbot(["watches", "list", "--json"], data_dir).stdout)
    assert {(w["id"], w["channel"], w["query"]) for w in listed} == {
        (first.id, "C1", "port strike"), (cli_id, "C2", "Iceland volcano")}
    assert [w.id for w in watch_store(data_dir).list(channel="C2")] == [cli_id]
    with pytest.raises(WatchError, match=cli_id):  # a channel removes only its own watches
        watch_store(data_dir).remove(cli_id, channel="C1")
    run_newsbot(["watches", "remove", cli_id], data_dir)
    assert [w.id for w in watch_store(data_dir).list()] == [first.id]
    gone = run_newsbot(["watches", "remove", cli_id], data_dir, check=False)
    assert gone.returncode == 2 and cli_id in gone.stderr and "Traceback" not in gone.stderr


def test_bad_watches_are_refused_with_the_reason(data_dir):
    with pytest.raises(WatchError, match="query"):
        watch_store(data_dir).add("C1", "   ")
    with pytest.raises(WatchError, match="channel"):
        watch_store(data_dir).add("", "port strike")
    empty = run_newsbot(["watches", "add", "C1", " "], data_dir, check=False)
    assert empty.returncode == 2 and "query" in empty.stderr


def test_post_records_survive_a_restart_and_go_with_their_watch(data_dir):
    store = watch_store(data_dir)
    watch = store.add("C1", "port strike")
    other = store.add("C1", "volcano")
    store.put_post(Post(watch=watch.id, key="a1", channel="C1", state="posting", articles=["a1", "a2"],
                        body=[0.1, 0.2], head=[0.3, 0.4], text="t", blocks=[{"type": "section"}]))
    store.put_post(Post(watch=watch.id, key="b1", channel="C1", state="posted", articles=["b1"], ts="1.2"))
    store.put_post(Post(watch=other.id, key="c1", channel="C1", state="retrying", articles=["c1"]))
    with pytest.raises(ValueError, match="sent"):
        store.put_post(Post(watch=watch.id, key="x", channel="C1", state="sent"))
    restarted = watch_store(data_dir)
    posts = {p.key: p for p in restarted.posts(watch.id)}
    assert set(posts) == {"a1", "b1"} and posts["a1"].articles == ["a1", "a2"] and posts["a1"].head == [0.3, 0.4]
    assert posts["a1"].blocks == [{"type": "section"}] and posts["b1"].ts == "1.2"
    assert sorted(p.key for p in restarted.unfinished()) == ["a1", "c1"]
    restarted.remove(watch.id)
    assert restarted.posts(watch.id) == [] and [p.key for p in restarted.unfinished()] == ["c1"]
