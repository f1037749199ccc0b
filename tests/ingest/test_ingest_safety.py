"""Single writer, crash safety (SIGKILL mid-ingest), the watcher, and feed URLs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.ingest.conftest import REPO, send_rss, stored
from index.check import check_index
from index.settings import Settings
from index.store import StoreError
from ingest.run import ingest_sources

WORDS = ("council budget river school transport energy market hospital police museum harbour "
         "festival railway election farm storm library factory court bridge airport").split()


def synthetic_corpus(root, n: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        paragraphs = []
        for p in range(5):
            words = [WORDS[(i * 7 + p * 3 + k) % len(WORDS)] for k in range(18)]
            paragraphs.append(f"Report {i} part {p}: the " + " ".join(words) + f" story number {i * 10 + p} went on.")
        (root / f"{i:03d}.txt").write_text(f"Story {i} about the {WORDS[i % len(WORDS)]}\n\n" + "\n\n".join(paragraphs))


def _env(settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(NEWSBOT_DATA_DIR=str(settings.data_dir), NEWSBOT_SOURCES=",".join(settings.sources))
    return env


def test_second_writer_is_refused_with_the_holders_pid(settings):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from index.settings import Settings; from index.writer_lock import writer_lock\n"
         f"with writer_lock(Settings(_env_file=None, data_dir={str(settings.data_dir)!r})):\n"
         "    print('locked', flush=True); time.sleep(60)"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError) as caught:
            ingest_sources(settings)
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and "stop it" in message and "NEWSBOT_CHROMA_URL" in message
        cli = subprocess.run([sys.executable, "-m", "bot.cli", "ingest"], cwd=REPO, env=_env(settings),
                             capture_output=True, text=True, timeout=120)
        assert cli.returncode == 2 and f"pid {holder.pid}" in cli.stderr
        assert len(cli.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
    assert ingest_sources(settings).added > 0  # the lock went with its holder


def test_sigkill_mid_ingest_then_rerun_is_exact(tmp_path):
    from ingest.write import BATCH_ARTICLES

    corpus = tmp_path / "many"
    n = 3 * BATCH_ARTICLES + 10  # killed after the first batch is saved: two more to go
    synthetic_corpus(corpus, n)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", sources=[str(corpus)])
    docstore = settings.data_dir / "docstore.json"
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", "--json"], cwd=REPO, env=_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while not docstore.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # into the next batch: embedding or writing to Chroma
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    rerun = subprocess.run([sys.executable, "-m", "bot.cli", "ingest", "--json"], cwd=REPO, env=_env(settings),
                           capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert 0 < report["added"] < n and report["added"] + report["unchanged"] == n
    check = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--json"], cwd=REPO, env=_env(settings),
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and json.loads(check.stdout)["clean"], check.stdout
    articles = stored(settings)
    assert len(articles) == n  # every article exactly once
    for entry in articles.values():
        ids = [cid for cid, _ in entry["chunks"]]
        assert ids == [f"{entry['meta']['article_id']}-{i:04d}" for i in range(len(ids))]


def test_watcher_picks_up_a_dropped_file(settings, corpus):
    from ingest.watch import start_watcher

    reports = []
    stop = threading.Event()
    thread = start_watcher(settings, stop, interval=0.2, on_report=reports.append)
    try:
        deadline = time.time() + 120
        while not reports and time.time() < deadline:
            time.sleep(0.1)
        assert reports and reports[0].added > 0
        (corpus / "late.txt").write_text(
            "Late night ferry service added\n\nThe ferry company will add a late night service from May, it said on Friday.\n")
        deadline = time.time() + 120
        while not any(r.added == 1 for r in reports[1:]) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert any(r.added == 1 for r in reports[1:])
    assert "Late night ferry service added" in {e["meta"]["title"] for e in stored(settings).values()}


def test_feed_url(settings):
    class Feed(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/feed.xml":
                self.send_error(404)
                return
            send_rss(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = settings.model_copy(update={"allow_private_feeds": True})  # the feed is on loopback
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        report = ingest_sources(settings, [url])
        assert report.added == 2 and report.skipped == []
        assert ingest_sources(settings, [url]).unchanged == 2
        titles = {e["meta"]["title"]: e["meta"] for e in stored(settings).values()}
        assert titles["River festival draws record crowds"]["source"] == "Valley Herald"
        missing = ingest_sources(settings, [f"http://127.0.0.1:{server.server_address[1]}/gone"])
        assert missing.skipped and "cannot fetch" in missing.skipped[0]["reason"]
    finally:
        server.shutdown()
