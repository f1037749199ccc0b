"""`newsbot eval --split`, confidence intervals and the answer-kind breakdown: pure
functions on hand-made cases, and one retrieval-only CLI run on a tiny dataset."""

from __future__ import annotations

import json

from bot.evaluation.intervals import bootstrap, interval, wilson
from bot.evaluation.runner import answer_kind, gold_age, published_dates, split_rows, summarise
from tests.conftest import run_newsbot
from tests.bot.test_eval import _write_dataset


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson(80, 100)  # 0.80 of 100: 0.711-0.867 (Wilson, 95 %)
    assert round(low, 3) == 0.711 and round(high, 3) == 0.867
    assert wilson(0, 10)[0] == 0.0 and round(wilson(10, 10)[1], 9) == 1.0
    assert wilson(10, 10)[0] < 1.0  # ten right of ten is no proof of 1.0


def test_interval_uses_bootstrap_for_reciprocal_ranks():
    values = [1.0, 0.5, 0.0, 1 / 3, 1.0, 0.25] * 10
    low, high = interval(values)
    assert low < sum(values) / len(values) < high
    assert (low, high) == bootstrap(values)  # seeded: the same report twice


def test_halves_split_at_a_date_and_keep_a_day_together():
    rows = [{"asked": d} for d in ["2023-01-05"] * 3 + ["2023-01-12"] * 2 + ["2023-01-19"] * 4]
    (first_name, first), (second_name, second) = split_rows(rows, "halves")
    assert len(first) + len(second) == 9
    assert {r["asked"] for r in first}.isdisjoint({r["asked"] for r in second})
    assert [len(first), len(second)] == [5, 4]
    assert "2023-01-05" in first_name and "2023-01-19" in second_name
    weeks = split_rows(rows, "weeks")
    assert [len(part) for _, part in weeks] == [3, 2, 4]


def test_gold_age_split_separates_the_weeks_news_from_background(tmp_path):
    (tmp_path / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in [
        {"url": "https://a.example/new/", "published": "2023-02-08"},
        {"url": "https://a.example/old", "published": "2022-12-01"},
        {"url": "https://a.example/month", "published": "2023-01-20"},
        {"url": "https://a.example/undated", "published": None},
    ]))
    published = published_dates(tmp_path)
    # the newest gold article counts, urls compared normalised
    assert gold_age("2023-02-10", ["https://a.example/old", "https://a.example/new"], published) == 2
    assert gold_age("2023-02-10", ["https://a.example/month"], published) == 21
    assert gold_age("2023-02-10", ["https://a.example/undated"], published) is None
    rows = [{"id": i, "gold_age": age} for i, age in enumerate([2, 0, 7, 8, 30, 31, 400, None])]
    parts = dict(split_rows(rows, "gold-age"))
    assert [r["id"] for r in parts["gold ≤ 7 days old"]] == [0, 1, 2]
    assert [r["id"] for r in parts["newest gold 8–30 days old"]] == [3, 4]
    assert [r["id"] for r in parts["newest gold > 30 days old"]] == [5, 6]
    assert [r["id"] for r in parts["no dated gold article in the corpus"]] == [7]
    assert split_rows([{"gold_age": 3}], "gold-age") == [("gold ≤ 7 days old", [{"gold_age": 3}])]


def test_answer_kinds():
    choices = ["Buffalo Bills", "Cincinnati Bengals", "Cleveland Browns"]
    story = "Damar Hamlin of the Buffalo Bills collapsed on the field in Cincinnati."
    args = ("Buffalo Bills", choices)
    assert answer_kind(True, False, "The Buffalo Bills [1].", *args, [story]) == "right"
    assert answer_kind(False, True, "", *args, [story]) == "refused"
    assert answer_kind(False, False, "The Bengals [1].", *args, ["Hamlin is recovering."]) == "wrong article"
    assert answer_kind(False, False, "The Cincinnati Bengals [1].", *args, [story]) == "wrong span"
    assert answer_kind(False, False, "He plays for Buffalo [1].", *args, [story]) == "other words"
    assert answer_kind(False, False, "He plays safety [1].", *args, [story]) == "wrong span"


def test_summary_counts_kinds_and_intervals():
    rows = [{"vector_rank": r, "vector_ms": 1.0, "correct": r == 1, "citations": [], "refused": False,
             "invalid_markers": 0, "removed_markers": 0, "answer_ms": 5.0, "gold_shown": r == 1,
             "kind": "right" if r == 1 else "wrong article"} for r in (1, 2, None, 1)]
    out = summarise(rows, ("vector",), "none")
    r = out["retrieval"][0]
    assert r["hit@1"] == 0.5 and r["hit@5"] == 0.75 and r["mrr@10"] == round(2.5 / 4, 3)
    assert r["hit@1_ci95"][0] < 0.5 < r["hit@1_ci95"][1]
    assert out["answers"]["kinds"]["right"] == 2 and out["answers"]["kinds"]["wrong article"] == 2
    assert out["answers"]["right_when_gold_shown"] == 2 and out["answers"]["gold_shown"] == 2


def test_retrieval_only_run_with_halves(tmp_path):
    dataset = _write_dataset(tmp_path / "tiny")
    lines = (dataset / "questions.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    for row in rows[3:]:
        row["asked"] = "2024-03-20"
    (dataset / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = run_newsbot(["eval", str(dataset), "--retrieval-only", "--split", "halves", "--json"], tmp_path / "data")
    report = json.loads(out.stdout)
    assert report["answers"] is None and all("answer" not in row for row in report["rows"])
    assert [part["questions"] for part in report["split"]] == [3, 2]
    for part in report["split"]:
        hybrid = next(r for r in part["retrieval"] if r["method"] == "hybrid")
        low, high = hybrid["hit@1_ci95"]
        assert low <= hybrid["hit@1"] <= high
    table = run_newsbot(["eval", str(dataset), "--retrieval-only", "--split", "halves"], tmp_path / "data").stdout
    assert "first half (2024-03-10 to 2024-03-10)" in table and "second half (2024-03-20" in table
    aged = json.loads(run_newsbot(["eval", str(dataset), "--retrieval-only", "--split", "gold-age", "--json"],
                                  tmp_path / "data").stdout)
    assert sum(part["questions"] for part in aged["split"]) == len(aged["rows"])
    assert any(r["gold_age"] is not None for r in aged["rows"])

