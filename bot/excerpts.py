"""What of each source the LLM reads: with NEWSBOT_PROMPT_SENTENCES=N, the N sentences
nearest the question (by embedding similarity) and the sentence after each, in the
article's order, gaps shown as "…".

On 2 cores reading the prompt is most of an answer's time, so fewer sentences answer
sooner. The sentence after each match is kept because the answer often sits there: the
match restates the question's event and the next sentence names who, what or how many
(docs/quality.md, "What the model reads"). Citations are checked against the whole source either way.
"""

from __future__ import annotations

import numpy as np

from bot.support import SourceText
from index.embedding import encode

GAP = "…"


def excerpt(source: SourceText, question_vector: np.ndarray, sentences: int) -> str:
    """The `sentences` sentences of `source` nearest the question and the one after each,
    in order; the whole text when that would leave nothing out (or `sentences` is 0)."""
    count = len(source.sentences)
    if sentences <= 0 or count <= sentences:
        return source.hit.text
    sims = source.vectors @ question_vector
    nearest = np.argsort(-sims, kind="stable")[:sentences]
    keep = sorted({j for i in map(int, nearest) for j in (i, i + 1) if j < count})
    if len(keep) == count:
        return source.hit.text
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
