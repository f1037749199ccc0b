"""`newsbot eval` on a tiny dataset written by the test: the metrics must come out exactly."""

from __future__ import annotations

import json

from bot.evaluation.metrics import (
    answer_correct,
    hit_at,
    normalise_url,
    percentile,
    reciprocal_rank,
    supports_answer,
)
from bot.evaluation.runner import summarise
from tests.conftest import run_newsbot

ARTICLES = [
    ("https://news.example/2024/03/01/volcano", "Volcano erupts in Iceland",
     "A volcano on the Reykjanes peninsula erupted on Friday, sending lava toward the town of Grindavik. "
     "Residents had been evacuated in advance.", "2024-03-01"),
    ("https://news.example/2024/03/02/chess", "Norwegian wins chess title",
     "Magnus Carlsen won the rapid chess championship in Oslo on Saturday, beating Fabiano Caruana in the final.",
     "2024-03-02"),
    ("https://news.example/2024/03/03/bank", "Central bank holds rates",
     "The central bank kept its main interest rate at 4.5 percent on Sunday, citing slowing inflation.",
     "2024-03-03"),
    ("https://news.example/2024/03/04/river", "River flood damages homes",
     "Heavy rain caused the river Severn to flood, damaging 300 homes in Shrewsbury.", "2024-03-04"),
    ("https://news.example/2024/03/05/rocket", "Rocket reaches orbit",
     "A reusable rocket carrying 40 satellites reached orbit after launching from Florida on Tuesday.",
     "2024-03-05"),
]
QUESTIONS = [
    ("Which town was threatened by lava from the volcano?", ["Grindavik", "Reykjavik", "Oslo"], "Grindavik", 0),
    ("Who won the rapid chess championship?", ["Magnus Carlsen", "Hikaru Nakamura", "Ding Liren"], "Magnus Carlsen", 1),
    ("At what level did the central bank keep its interest rate?", ["4.5 percent", "3 percent", "5 percent"], "4.5 percent", 2),
    ("How many homes did the river flood damage?", ["300", "3,000", "30"], "300", 3),
    ("How many satellites did the reusable rocket carry?", ["40", "60", "20"], "40", 4),
]


def _write_dataset(root):
    root.mkdir()
    with open(root / "articles.jsonl", "w") as out:
        for url, title, text, published in ARTICLES:
            out.write(json.dumps({"url": url, "title": title, "text": text, "published": published,
                                  "authors": [], "source": "example"}) + "\n")
    with open(root / "questions.jsonl", "w") as out:
        for i, (question, choices, answer, gold) in enumerate(QUESTIONS):
            out.write(json.dumps({"id": f"q{i}", "question": question, "asked": "2024-03-10",
                                  "choices": choices, "answer": answer, "gold_urls": [ARTICLES[gold][0]]}) + "\n")
    return root


def _metrics(report: dict) -> dict[str, tuple[float, float, float, float]]:
    return {r["method"]: (r["hit@1"], r["hit@5"], r["hit@10"], r["mrr@10"]) for r in report["retrieval"]}


def test_eval_on_a_tiny_dataset(tmp_path):
    dataset = _write_dataset(tmp_path / "tiny")
    out = run_newsbot(["eval", str(dataset), "--limit", "5", "--backend", "none", "--json"], tmp_path / "data")
    report = json.loads(out.stdout)
    assert report["questions"] == 5
    assert all(r["questions"] == 5 for r in report["retrieval"])
    # Distinct, specific questions over five articles: every method ranks each gold article
    # first, so Hit@1 = Hit@5 = Hit@10 = MRR@10 = 5/5.
    assert _metrics(report) == {method: (1.0, 1.0, 1.0, 1.0) for method in ("vector", "keyword", "hybrid")}
    answers = report["answers"]
    assert answers["accuracy"] == round(sum(r["correct"] for r in report["rows"]) / 5, 3)
    assert answers["accuracy"] >= 0.8
    assert answers["citation_precision"] == 1.0
    assert answers["citation_support"] == 1.0  # each cited article states its question's answer
    # Every citation is listed with its question, so a reader can see which ones missed.
    cited = [c for row in report["rows"] for c in row["citations"]]
    assert cited and all(c["gold"] and c["states_answer"] and c["url"] for c in cited)
    assert answers["invalid_markers"] == 0
    # Cached by content: a second run does not ingest again.
    again = run_newsbot(["eval", str(dataset), "--limit", "1", "--backend", "none"], tmp_path / "data")
    assert "ingesting" not in again.stderr
    assert "| newsbot (BM25 + vector" in again.stdout
    # A sixth question whose gold article was never ingested: no method can find it. Ranks
    # 1, 1, 1, 1, 1, none: Hit@k = 5/6 = 0.833 at every k, MRR@10 = (5 × 1/1 + 0) / 6 = 0.833.
    missing = {"id": "q5", "question": "Who won the rapid chess championship?", "asked": "2024-03-10",
               "choices": ["Magnus Carlsen", "Ding Liren"], "answer": "Magnus Carlsen",
               "gold_urls": ["https://news.example/2024/03/06/never-ingested"]}
    with open(dataset / "questions.jsonl", "a") as out:
        out.write(json.dumps(missing) + "\n")
    six = json.loads(run_newsbot(["eval", str(dataset), "--retrieval-only", "--json"], tmp_path / "data").stdout)
    assert six["questions"] == 6
    assert _metrics(six) == {method: (0.833, 0.833, 0.833, 0.833) for method in ("vector", "keyword", "hybrid")}


def test_retrieval_metrics_of_known_ranks():
    rows = [{"hybrid_rank": rank, "hybrid_ms": 1.0} for rank in (1, 2, None, 4, 7)]
    [hybrid] = summarise(rows, ("hybrid",), None)["retrieval"]
    # Hit@1 1/5; Hit@5 3/5 (ranks 1, 2, 4); Hit@10 4/5; MRR@10 (1 + 1/2 + 1/4 + 1/7) / 5 = 0.3786
    assert (hybrid["hit@1"], hybrid["hit@5"], hybrid["hit@10"], hybrid["mrr@10"]) == (0.2, 0.6, 0.8, 0.379)


def test_llm_cache_replays_the_same_answers(tmp_path, test_model):
    """The second run asks the model nothing and reports the same answers and metrics."""
    dataset = _write_dataset(tmp_path / "tiny")
    cache = tmp_path / "replies.jsonl"
    args = ["eval", str(dataset), "--limit", "3", "--backend", "local", "--json", "--llm-cache", str(cache)]
    env = {"NEWSBOT_LLM_MODEL": str(test_model)}
    first = json.loads(run_newsbot(args, tmp_path / "data", **env).stdout)
    assert first["llm_cache"]["generated"] == 3 and first["llm_cache"]["replayed"] == 0
    assert len(cache.read_text().splitlines()) == 3
    second = json.loads(run_newsbot(args, tmp_path / "data", **env).stdout)
    assert second["llm_cache"] == {"path": str(cache), "replayed": 3, "generated": 0}
    assert [r["answer"] for r in second["rows"]] == [r["answer"] for r in first["rows"]]
    assert second["answers"]["accuracy"] == first["answers"]["accuracy"]
    assert len(cache.read_text().splitlines()) == 3


def test_metric_functions():
    gold = {normalise_url("https://www.cnn.com/a/b/")}
    ranked = [["http://other"], ["http://x", "http://cnn.com/a/b"], ["x"]]
    assert hit_at(ranked, gold, 1) == 0.0 and hit_at(ranked, gold, 5) == 1.0
    assert reciprocal_rank(ranked, gold) == 0.5
    assert answer_correct("It was “Squid Game” [1].", "“Squid Game”", ["“Friends”", "“Squid Game”"])
    assert not answer_correct("Squid Game or Friends", "Squid Game", ["Friends", "Squid Game"])
    assert not answer_correct("Europeans", "Europe", ["Europe", "Asia"])
    assert answer_correct("kept at 4.5 percent [1]", "4.5 percent", ["4.5 percent", "5 percent"])
    assert not answer_correct("about 5 percent", "4.5 percent", ["4.5 percent", "5 percent"])
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert answer_correct("New Jersey and Oregon [1].", "New Jersey & Oregon", ["New Jersey & Oregon", "Oregon"]) is False
    assert answer_correct("for six months [1].", "6", ["3", "6", "9"])
    assert answer_correct("New Jersey and Oregon", "New Jersey & Oregon", ["Texas", "New Jersey & Oregon"])
    assert answer_correct("because of severe droughts [1]", "Drought", ["Drought", "Flood"])
    # A citation marker is not part of what the answer says: "[1]" never names the choice "1".
    assert answer_correct("after 15 rounds of voting [1].", "15", ["1", "5", "11", "15"])
    assert answer_correct("It took 3 votes [1, 2].", "3", ["1", "2", "3"])
    assert not answer_correct("It was decided [2].", "2", ["1", "2", "3"])
    assert supports_answer("Ford recalled 2.9 million SUVs.", "Ford")
    assert not supports_answer("Fordham University opened.", "Ford")


def test_without_gold_leaves_out_every_article_stating_the_answer(tmp_path):
    """`--without-gold`: each question is asked with its gold article (and any other article
    stating its answer) out of reach; right then means refused."""
    dataset = _write_dataset(tmp_path / "tiny")
    with open(dataset / "articles.jsonl", "a") as out:  # a second article stating "Grindavik"
        out.write(json.dumps({"url": "https://news.example/2024/03/06/lava", "title": "Lava reaches road",
                              "text": "Lava crossed the road into Grindavik overnight, officials said.",
                              "published": "2024-03-06", "authors": [], "source": "example"}) + "\n")
    out = run_newsbot(["eval", str(dataset), "--backend", "none", "--without-gold", "--json"], tmp_path / "data")
    report = json.loads(out.stdout)
    assert report["without_gold"] is True and report["questions"] == 5
    assert all(r["hit@10"] == 0.0 for r in report["retrieval"])  # no gold can be found
    cited = [c for row in report["rows"] for c in row["citations"]]
    assert not any(c["gold"] or c["states_answer"] for c in cited)
    assert not any("Grindavik" in row["answer"] for row in report["rows"])
    answers = report["answers"]
    assert answers["accuracy"] == sum(row["refused"] for row in report["rows"]) / 5  # right = refused


def test_asked_a_year_later_in_a_mixed_archive(tmp_path):
    """`--as-of-shift 365 --extra-corpus DIR`: asked a year later beside newer related news,
    questions whose words move with the day asked are listed and skipped, and the gold
    articles are still found first."""
    dataset = _write_dataset(tmp_path / "tiny")
    with open(dataset / "questions.jsonl", "a") as out:
        out.write(json.dumps({"id": "q5", "question": "Which town did lava threaten this week?", "asked": "2024-03-10",
                              "choices": ["Grindavik", "Oslo"], "answer": "Grindavik",
                              "gold_urls": [ARTICLES[0][0]]}) + "\n")
    newer = tmp_path / "newer"
    newer.mkdir()
    for name, title, body in [
        ("volcano.txt", "Iceland volcano quiet for now", "Scientists said the volcano near the Reykjanes peninsula has been quiet."),
        ("chess.txt", "Chess federation elects president", "The chess federation elected a new president in Oslo."),
        ("rocket.txt", "Rocket launch delayed", "A rocket launch from Florida was delayed by high winds."),
    ]:
        (newer / name).write_text(f"{title}\nCreated: JANUARY 15, 2025\n\n{body}\n")
    out = run_newsbot(["eval", str(dataset), "--retrieval-only", "--as-of-shift", "365", "--extra-corpus", str(newer),
                       "--json"], tmp_path / "data")
    report = json.loads(out.stdout)
    assert report["as_of_shift_days"] == 365 and report["extra_corpora"] == [str(newer)]
    assert report["skipped_relative_time"] == ["Which town did lava threaten this week?"]
    assert report["questions"] == 5
    hybrid = next(r for r in report["retrieval"] if r["method"] == "hybrid")
    assert hybrid["hit@1"] == 1.0, report["rows"]


def test_time_relative_questions():
    from bot.evaluation.runner import time_relative

    assert time_relative("Who won this week?") and time_relative("What happened in March?")
    assert time_relative("Who is currently leading?") and time_relative("What happened yesterday?")
    assert not time_relative("What happened in March 2023?") and not time_relative("Who won the chess title?")
