"""`newsbot eval --from-feedback FILE`: the 👎 answers of the question log as a regression
file in the eval's `questions.jsonl` shape.

A 👎 says an answer was wrong, not what the right one is, so each row carries the question,
the day it was asked (its `asked`, so dates in it resolve as they did), what the bot
answered and cited, and the reason given, with `answer`, `choices` and `gold_urls` left
empty for a maintainer to fill in before the row joins an eval set.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.question_log import read_entries
from index.settings import Settings


def regression_rows(entries: list[dict]) -> list[dict]:
    """One row per question with at least one 👎 (its latest reason), oldest first."""
    questions = {e.get("id"): e for e in entries if e.get("kind") == "question"}
    reasons: dict[str, str | None] = {}
    for e in entries:
        if e.get("kind") == "feedback" and e.get("value") == "down" and e.get("id") in questions:
            reasons[e["id"]] = e.get("reason") or reasons.get(e["id"])
    rows = []
    for question_id, reason in reasons.items():
        asked = questions[question_id]
        rows.append({
            "id": f"feedback-{question_id[:12]}",
            "question": asked.get("question"),
            "asked": str(asked.get("time", ""))[:10] or None,
            "answer": None,
            "choices": [],
            "gold_urls": [],
            "bad_answer": asked.get("answer"),
            "bad_citations": [c.get("url") for c in asked.get("citations") or []],
            "refused": asked.get("refused"),
            "reason": reason,
        })
    return sorted(rows, key=lambda r: r["asked"] or "")


def write_regressions(settings: Settings, out: Path) -> int:
    """Write the regression file; returns how many rows it holds."""
    rows = regression_rows(read_entries(settings))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)
