"""Fixtures for the ingest tests: small corpora of every format written to tmp dirs, and
settings pointing at a fresh data dir (the real MiniLM model, a real embedded Chroma)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[2]
SEED_FILE = REPO / "seeds" / "000_ccea5f87600b2e13.txt"

BBC_STYLE = """Mobile phone sales hit record level

Sales of mobile phones reached a record 674 million units in 2004, according to a market research firm.

The figure was up 30% on the previous year, with demand driven by colour screens and cameras in handsets.

Analysts said the growth would slow in 2005 as markets in Europe became saturated.
"""

LATIN1 = """Café owner wins £1m lottery

A café owner from Nîmes has won a £1m prize in the national lottery draw held on Saturday evening.

Mr Dubois said he would keep running the café, which his family opened in 1952.
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head>
<title>Harbour bridge reopens after repairs | The Coastal Times</title>
<link rel="canonical" href="https://coastal.example.com/news/harbour-bridge-reopens">
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="The Coastal Times">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-03-05T08:30:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened to traffic on Tuesday after eight months of repairs that cost the city 14 million dollars.</p>
<p>Engineers replaced the corroded steel cables and resurfaced the deck, the council said in a statement.</p>
<p>Sign up for our newsletter to get the latest local news in your inbox.</p>
<p>Commuters had faced detours of up to forty minutes while the bridge was closed, and local shops reported falling sales.</p>
<p>Video player was slow to load content Video content never loaded</p>
<p>The mayor said the bridge would be inspected every year from now on to avoid another long closure.</p>
</article>
<footer>Copyright 2024 The Coastal Times. All rights reserved.</footer>
</body></html>
"""

JSONL_RECORDS = [
    {"url": "https://news.example.org/2022/06/01/wheat-prices-surge/index.html", "title": "",
     "text": "Wheat prices surged to a record on Wednesday as exports from the Black Sea stalled.\n\nTraders said the rally could last into the autumn harvest.",
     "published": "2022-06-01", "authors": ["Ann Lee"], "source": "news.example.org"},
    {"url": "https://news.example.org/2022/07/02/solar-farm-opens", "title": "Largest solar farm opens",
     "text": "The country's largest solar farm opened on Saturday, able to power 300,000 homes.\n\nIt covers an area the size of 900 football pitches.",
     "published": None, "authors": [], "source": "news.example.org"},
]

RSS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>Valley Herald</title>
<link>https://valleyherald.example.net/</link>
<item>
<title>River festival draws record crowds</title>
<link>https://valleyherald.example.net/2023/08/12/river-festival</link>
<pubDate>Sat, 12 Aug 2023 10:00:00 +0000</pubDate>
<dc:creator>Tom Baker</dc:creator>
<description>Short summary only.</description>
<content:encoded><![CDATA[<p>The annual river festival drew a record 85,000 visitors over the weekend, organisers said.</p><p>Boat races, food stalls and a fireworks display kept crowds on the banks until midnight.</p>]]></content:encoded>
</item>
<item>
<title>Library extends opening hours</title>
<link>https://valleyherald.example.net/2023/08/14/library-hours</link>
<pubDate>Mon, 14 Aug 2023 09:00:00 +0000</pubDate>
<description><![CDATA[<p>The central library will open until 9pm on weekdays from September, the council announced on Monday.</p>]]></description>
</item>
</channel>
</rss>
"""


def send_rss(handler) -> None:
    """Answer an HTTP request with RSS_FEED (the feed tests' loopback servers)."""
    body = RSS_FEED.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


MARKDOWN = """---
title: Tram line extension approved
date: 2024-11-20
url: https://metro.example.com/tram-extension
author: Sam Patel
---

# Tram line extension approved

The city council approved a **four-kilometre** extension of the tram line on Wednesday.

Construction will start next spring and is expected to take two years.
"""


def write_corpus(root: Path) -> Path:
    """Every format, laid out like a newsroom drop folder (sub-folders are categories)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_FILE, root / SEED_FILE.name)
    (root / "tech").mkdir(exist_ok=True)
    (root / "tech" / "001.txt").write_text(BBC_STYLE, encoding="utf-8")
    (root / "sport").mkdir(exist_ok=True)
    (root / "sport" / "199.txt").write_bytes(LATIN1.encode("latin-1"))
    (root / "bridge.html").write_text(HTML_PAGE, encoding="utf-8")
    (root / "export.jsonl").write_text("\n".join(json.dumps(r) for r in JSONL_RECORDS) + "\n", encoding="utf-8")
    (root / "herald.rss").write_text(RSS_FEED, encoding="utf-8")
    (root / "tram.md").write_text(MARKDOWN, encoding="utf-8")
    return root


CORPUS_ARTICLES = 9  # seed, bbc-style, latin-1, html, 2 jsonl, 2 rss entries, markdown


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path, corpus):
    return make_settings(tmp_path / "data", sources=[str(corpus)])


def stored(settings) -> dict[str, dict]:
    """article_id -> {"meta": first chunk's metadata, "chunks": [(id, text)]} from Chroma."""
    from index.store import open_store

    got = open_store(settings).collection.get(include=["metadatas", "documents"])
    out: dict[str, dict] = {}
    for cid, meta, doc in sorted(zip(got["ids"], got["metadatas"], got["documents"])):
        entry = out.setdefault(meta["article_id"], {"meta": meta, "chunks": []})
        entry["chunks"].append((cid, doc))
    return out


def by_title(settings) -> dict[str, dict]:
    return {e["meta"]["title"]: e for e in stored(settings).values()}
