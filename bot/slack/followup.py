"""Thread follow-ups: "and how much is still pending?" means nothing to retrieval alone.

The rewrite is deliberately simple and deterministic (no LLM call, so it is fast and
testable): the key terms of the earlier questions in the thread (newest first, those not
already in the follow-up, stop words dropped, at most `MAX_TERMS`) are appended:

    "and how much is still pending?"  after  "How much money in waivers have Mexican programs received?"
    → "and how much is still pending? (about: money waivers Mexican programs received)"

Only the last `HISTORY_LIMIT` messages of the thread are read (`conversations.replies`).
"""

from __future__ import annotations

import re

from bot.stop_words import STOP_WORDS

HISTORY_LIMIT = 20
MAX_QUESTIONS = 2
MAX_TERMS = 10

_WORD = re.compile(r"[A-Za-z0-9$€£][\w$.,%€£'-]*[\w%]|[A-Za-z0-9]")


def key_terms(text: str) -> list[str]:
    """Content words of `text` in order, without stop words or repeats."""
    seen: set[str] = set()
    terms: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        if low in STOP_WORDS or low in seen or len(low) < 2:
            continue
        seen.add(low)
        terms.append(word)
    return terms


def standalone_question(question: str, earlier: list[str]) -> str:
    """`question` plus the key terms of the newest `MAX_QUESTIONS` of `earlier` (oldest first)."""
    have = {w.lower() for w in _WORD.findall(question)}
    terms: list[str] = []
    for previous in reversed(earlier[-MAX_QUESTIONS:]):
        for term in key_terms(previous):
            if term.lower() not in have and len(terms) < MAX_TERMS:
                have.add(term.lower())
                terms.append(term)
    if not terms:
        return question
    return f"{question} (about: {' '.join(terms)})"
