"""Slack `/reindex` with a feed URL in NEWSBOT_SOURCES ingests the feed (a source is not a
path: `Path("http://host/feed.xml")` is "http:/host/feed.xml", no such file). The real
`newsbot serve` process with the real Bolt app, a fake Slack, and the feed on loopback."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


from tests.bot.slack.botproc import ADMIN, NEWSBOT, base_env, start_bot, stop_bot
from tests.bot.slack.fake_slack import slash_command

from tests.conftest import SEED_FILE, store_env
from tests.ingest.conftest import send_rss

pytestmark = pytest.mark.slack


class Feed(BaseHTTPRequestHandler):
    def do_GET(self):
        send_rss(self)

    def log_message(self, *args):
        pass


def test_reindex_ingests_a_feed_url_source(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed_url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    data_dir = tmp_path_factory.mktemp("feed-reindex") / "data"
    env = dict(base_env(), NEWSBOT_DATA_DIR=str(data_dir), **store_env(data_dir))
    subprocess.run([NEWSBOT, "ingest", str(SEED_FILE)], env=env, check=True, capture_output=True, timeout=300)
    bot = start_bot(tmp_path_factory, data_dir, NEWSBOT_SOURCES=feed_url, NEWSBOT_ALLOW_PRIVATE_FEEDS="1")
    try:
        fake = bot.fake
        fake.wait_ack(fake.send_envelope("slash_commands", slash_command(fake, "/reindex", "", ADMIN, "CFEED")))

        def done():
            texts = [str(c.args.get("text")) for c in fake.calls if c.args.get("channel") == "CFEED"]
            return next((t for t in texts if "Re-index done" in t), None)

        text = fake.wait_for(done, 120, "the re-index result")
        assert "2 new" in text and "0 skipped" in text, text
    finally:
        stop_bot(bot)
        server.shutdown()
