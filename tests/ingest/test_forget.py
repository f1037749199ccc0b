"""Takedowns (`newsbot forget`): the article leaves Chroma, the docstore and the keyword
index at once, a long-lived engine stops citing it, a later ingest of the same URL (or the
same text elsewhere) is skipped as "forgotten", `check` knows the tombstone, and `--undo`
lets it back. Real store (embedded, and the server pass), real embeddings."""

from __future__ import annotations

import json

import pytest

from bot.answer import AnswerEngine
from index.check import check_index
from ingest.forget import ForgetError, forget, tombstones, undo
from ingest.run import ingest_sources
from tests.conftest import make_settings, run_newsbot

PORT_URL = "https://news.example.org/2022/06/10/harbour-port-strike"
RECORDS = [
    {"url": PORT_URL, "title": "Dock workers strike at the harbour port",
     "text": "Dock workers at the harbour port walked out on Friday over pay, halting 40 container ships.\n\n"
             "The union said the strike would last a week unless wages rose by 9 percent.",
     "published": "2022-06-10", "source": "news.example.org"},
    {"url": "https://news.example.org/2022/06/11/orchard-harvest", "title": "Cherry harvest arrives early",
     "text": "Orchards in the valley began the cherry harvest two weeks early after a warm spring.\n\n"
             "Growers expect a crop of 12,000 tonnes, the largest in a decade.",
     "published": "2022-06-11", "source": "news.example.org"},
]
QUESTION = "Why did dock workers strike at the harbour port?"


def _write(folder, records, name="feed.jsonl"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(json.dumps(r) for r in records) + "\n")


def _cited(engine: AnswerEngine) -> set[str]:
    result = engine.answer(QUESTION, as_of=None)
    return {c.url for c in result.citations}


@pytest.mark.server
def test_forget_removes_at_once_and_keeps_it_out(tmp_path):
    settings = make_settings(tmp_path / "data", llm="none")
    source = tmp_path / "src"
    _write(source, RECORDS)
    assert ingest_sources(settings, [source]).added == 2
    engine = AnswerEngine(settings)  # a running bot: opened before the takedown
    assert PORT_URL in _cited(engine)

    done = forget(settings, PORT_URL.upper().replace("HTTPS://NEWS.EXAMPLE.ORG", "http://news.example.org") + "/",
                  reason="legal request 42")
    assert done.was_indexed and done.chunks_removed >= 1 and done.title == RECORDS[0]["title"]
    assert PORT_URL not in _cited(engine)  # the same engine, no restart
    assert PORT_URL not in _cited(AnswerEngine(settings))
    assert done.article_id not in engine.store.chunks.article_ids()

    again = ingest_sources(settings, [source])  # the file still holds it
    assert again.added == 0
    assert [s["reason"].split(" ")[0] for s in again.skipped] == ["forgotten"]
    copy = dict(RECORDS[0], url="https://mirror.example.net/port-strike")  # same text, another URL
    _write(tmp_path / "mirror", [copy])
    mirrored = ingest_sources(settings, [tmp_path / "mirror"])
    assert mirrored.added == 0 and "forgotten" in mirrored.skipped[0]["reason"]
    assert PORT_URL not in _cited(engine)

    report = check_index(settings)
    assert report.clean and report.forgotten == 1 and "1 forgotten" in report.summary()
    assert list(tombstones(settings).values())[0]["reason"] == "legal request 42"

    undo(settings, done.article_id)
    assert ingest_sources(settings, [source]).added == 1
    assert PORT_URL in _cited(engine)
    assert check_index(settings).forgotten == 0


def test_forget_names_a_bad_target_and_works_from_the_cli(tmp_path):
    settings = make_settings(tmp_path / "data", llm="none")
    with pytest.raises(ForgetError, match="neither a URL"):
        forget(settings, "not a url")
    source = tmp_path / "src"
    _write(source, RECORDS)
    run_newsbot(["ingest", str(source)], tmp_path / "data")
    out = run_newsbot(["forget", PORT_URL, "--reason", "retraction"], tmp_path / "data")
    assert out.stdout.startswith("forgot Dock workers strike")
    listed = run_newsbot(["forget", "--list"], tmp_path / "data").stdout
    assert PORT_URL in listed and "retraction" in listed
    bad = run_newsbot(["forget", "nonsense"], tmp_path / "data", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    check = run_newsbot(["check"], tmp_path / "data")
    assert "1 forgotten" in check.stdout
