"""The question log and `newsbot report`: entries, rotation, feedback joined to its question,
and coverage gaps grouped by topic with the real embedding model."""

from __future__ import annotations

import json
from datetime import date

from bot.answer import Answer, Citation
from bot.question_log import log_answer, log_feedback, log_path, read_entries
from bot.report import GAP_SIMILARITY, build_report, coverage_gaps
from tests.conftest import MARGIN
from index.settings import Settings


def _answer(question: str, refused: bool = False, ms: float = 1000.0) -> Answer:
    citations = [] if refused else [
        Citation(1, "a1", "Budget passes", "2022-06-01", "https://example.com/a1", "a.txt", "a1-0", "q")
    ]
    return Answer(question, "text", refused, citations, "none", timings={"total_ms": ms})


def test_answers_and_feedback_are_logged_and_joined(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = log_answer(settings, _answer("Did the budget pass?", ms=800), "cli")
    second = log_answer(settings, _answer("Who won the cup?", refused=True, ms=200), "slack", "C1", "U1")
    log_feedback(settings, second, "down", "U1", "C1", reason="wrong year")
    entries = read_entries(settings)
    assert [e["kind"] for e in entries] == ["question", "question", "feedback"]
    assert entries[0]["id"] == first and entries[0]["citations"][0]["url"] == "https://example.com/a1"
    assert entries[1]["surface"] == "slack" and entries[1]["refused"] is True
    report = build_report(entries, embed=lambda texts: [[1.0, 0.0]] * len(texts))
    assert report.questions == 2 and report.refused == 1
    assert report.feedback == {"up": 0, "down": 1}
    assert report.downvoted[0]["question"] == "Who won the cup?"
    assert report.downvoted[0]["reason"] == "wrong year"
    assert report.latency_ms["p50"] == 500.0


def test_tokens_never_reach_the_log(tmp_path):
    settings = Settings(data_dir=tmp_path)
    log_answer(settings, _answer("why does xoxb-123456-abcdef fail at https://bob:hunter2@example.com/x"), "cli")
    text = log_path(settings).read_text()
    assert "hunter2" not in text and "xoxb-123456-abcdef" not in text
    assert "example.com" in text


def test_off_writes_nothing(tmp_path):
    settings = Settings(data_dir=tmp_path, question_log="off")
    log_answer(settings, _answer("Anything?"), "cli")
    assert not log_path(settings).exists()


def test_rotation_keeps_every_entry_readable(tmp_path):
    settings = Settings(data_dir=tmp_path / "rot", question_log_max_bytes=2000, question_log_backups=50)
    for i in range(40):
        log_answer(settings, _answer(f"question number {i}?"), "cli")
    assert len(list((tmp_path / "rot").glob("questions.jsonl.*"))) > 1
    assert [e["question"] for e in read_entries(settings)] == [f"question number {i}?" for i in range(40)]


def test_since_filters_by_day(tmp_path):
    entries = [
        {"kind": "question", "id": "a", "time": "2026-01-01T10:00:00+00:00", "surface": "cli", "question": "old"},
        {"kind": "question", "id": "b", "time": "2026-02-01T10:00:00+00:00", "surface": "cli", "question": "new"},
    ]
    report = build_report(entries, since=date(2026, 1, 15))
    assert report.questions == 1 and list(report.per_day) == ["2026-02-01"]
    assert json.loads(json.dumps(report.to_dict()))["refusal_rate"] == 0.0


def test_gaps_group_refused_questions_by_topic():
    """Real MiniLM vectors: three ways of asking about one missing topic form one group."""
    questions = [
        "What did the central bank decide about interest rates?",
        "Who won the Wimbledon women's final?",
        "Did the Federal Reserve raise interest rates this week?",
        "How much did the Fed hike rates by?",
        "Which player won the Wimbledon ladies' singles title?",
        "What is the price of eggs in Ohio?",
    ]
    gaps = coverage_gaps(questions)
    assert [g.count for g in gaps] == [3, 2, 1]
    # no decision is near the threshold: the same groups with it moved either way by MARGIN
    for moved in (GAP_SIMILARITY - MARGIN, GAP_SIMILARITY + MARGIN):
        assert [g.questions for g in coverage_gaps(questions, similarity=moved)] == [g.questions for g in gaps], moved
    assert {q for q in gaps[0].questions} == {questions[0], questions[2], questions[3]}
    assert set(gaps[1].questions) == {questions[1], questions[4]}
    assert gaps[0].label in gaps[0].questions


def test_cli_answers_are_logged_and_reported(tmp_path, seeded_dir):
    import shutil

    from tests.conftest import MARGIN, run_newsbot

    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data, ignore=shutil.ignore_patterns("questions.jsonl*"))  # others' asks
    run_newsbot(["ask", "--backend", "none", "How much money in waivers have Mexican programs received?"], data)
    run_newsbot(["ask", "--backend", "none", "Who won the curling world championship on Mars?"], data)
    entries = [json.loads(line) for line in (data / "questions.jsonl").read_text().splitlines()]
    assert [(e["surface"], e["refused"]) for e in entries] == [("cli", False), ("cli", True)]
    assert entries[0]["citations"][0]["title"].startswith("Rubio Uses Waivers")
    report = json.loads(run_newsbot(["report", "--json"], data).stdout)
    assert report["questions"] == 2 and report["refused"] == 1 and report["refusal_rate"] == 0.5
    assert [g["label"] for g in report["gaps"]] == ["Who won the curling world championship on Mars?"]


def test_downvoted_answers_become_regression_rows(tmp_path):
    from bot.evaluation.feedback import regression_rows

    settings = Settings(data_dir=tmp_path)
    kept = log_answer(settings, _answer("Did the budget pass?"), "slack", "C1", "U1")
    bad = log_answer(settings, _answer("Who won the cup?"), "slack", "C1", "U2")
    log_feedback(settings, kept, "up", "U1", "C1")
    log_feedback(settings, bad, "down", "U2", "C1", reason="it was the other team")
    rows = regression_rows(read_entries(settings))
    assert len(rows) == 1
    row = rows[0]
    assert row["question"] == "Who won the cup?" and row["reason"] == "it was the other team"
    assert row["bad_citations"] == ["https://example.com/a1"] and row["bad_answer"] == "text"
    assert row["gold_urls"] == [] and row["answer"] is None and len(row["asked"]) == 10
