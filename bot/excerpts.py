"""What of each source the LLM reads: the sentences nearest the question, not the whole chunk.

On 2 cores reading the prompt is most of an answer's time (the 1.5B model reads ~40 tokens
a second), and a small model answers no better from three whole chunks than from their few
sentences that match the question: `NEWSBOT_PROMPT_SENTENCES` keeps that many sentences of
each source (by embedding similarity to the question, in the article's order, gaps shown as
"…"). Citations are still checked against the whole source.
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
