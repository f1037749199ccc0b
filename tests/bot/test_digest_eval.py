"""`newsbot eval --digest` on a small dataset (the digest corpus, real ingest, the real
CLI): a question about the week's big story is covered, one about an article from a
month before is not reachable, every sentence is supported, no invalid marker."""

from __future__ import annotations

import json

from tests.conftest import run_newsbot
from tests.digest_corpus import AS_OF, OLD, PORT, write_corpus


def test_eval_digest_reports_coverage_support_and_time(tmp_path):
    dataset = tmp_path / "dataset"
    write_corpus(dataset).rename(dataset / "articles.jsonl")
    questions = [
        {"id": "port", "question": "Which port did a strike close?", "asked": AS_OF, "answer": "Rotterdam",
         "choices": ["Rotterdam", "Hamburg"], "gold_urls": [PORT[1][0]]},
        {"id": "ferry", "question": "Which service resumed?", "asked": AS_OF, "answer": "The ferry",
         "choices": ["The ferry", "The bus"], "gold_urls": [OLD[0][0]]},
    ]
    (dataset / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    out = run_newsbot(["eval", "--digest", str(dataset), "--retrieval-only", "--json"], tmp_path / "data")
    report = json.loads(out.stdout)
    assert report["weeks"] == 1 and report["questions"] == 2 and report["stories"] == 15
    assert report["story_coverage"] == 0.5 and report["reachable"] == 0.5
    assert report["rows"][0]["covered_ids"] == ["port"]
    assert report["sentences"] >= 3 and report["citation_support"] == 1.0 and report["invalid_markers"] == 0
    assert report["llm_stories"] == 0 and report["backend"] == "none"
    assert 0 < report["seconds_p50"] == report["seconds_max"]
    table = run_newsbot(["eval", "--digest", str(dataset), "--retrieval-only"], tmp_path / "data").stdout
    assert "| all | 15 | none | 1 | 2 | 0.500 (" in table
