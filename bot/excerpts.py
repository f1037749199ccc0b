"""What of each source the LLM reads: with NEWSBOT_PROMPT_SENTENCES=N, only the N sentences
nearest the question (by embedding similarity, in the article's order, gaps shown as "…").

On 2 cores reading the prompt is most of an answer's time, so fewer sentences answer
sooner; but the answer often sits in the sentence beside the one that matches the question,
so they also answer less accurately (README, "Answer quality"): off (0, whole sources) by
default. Citations are checked against the whole source either way.
"""

from __future__ import annotations

import numpy as np

from bot.support import SourceText
from index.embedding import encode

GAP = "…"


def excerpt(source: SourceText, question_vector: np.ndarray, sentences: int) -> str:
    """The `sentences` sentences of `source` nearest the question, in order; the whole
    text when it has no more than that (or `sentences` is 0)."""
    if sentences <= 0 or len(source.sentences) <= sentences:
        return source.hit.text
    sims = source.vectors @ question_vector
    keep = sorted(int(i) for i in np.argsort(-sims, kind="stable")[:sentences])
    parts: list[str] = []
    previous = -1
    for i in keep:
        if i != previous + 1:
            parts.append(GAP)
        parts.append(source.sentences[i])
        previous = i
    if previous != len(source.sentences) - 1:
        parts.append(GAP)
    return " ".join(parts)


def excerpts(question: str, sources: list[SourceText], sentences: int) -> list[str]:
    """What the model reads of each source: `excerpt` of each, or (0) their whole texts."""
    if sentences <= 0:
        return [source.hit.text for source in sources]
    question_vector = encode([question])[0]
    return [excerpt(source, question_vector, sentences) for source in sources]
