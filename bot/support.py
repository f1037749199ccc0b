"""How well a source supports a sentence: embedding similarity to the source's best
sentence or its headline, plus two hard rules: the numbers and the names a sentence
states must appear in the source (similarity says a sentence and a source are about the
same thing, not that the source states it: "PSL stands for Pacific Stout [1]" scores
like a true answer against an article on PSL that never says "Pacific Stout").

Used to verify the LLM's citations and to pick extractive sentences and quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.sentences import named_in, numbers_in, split_sentences, words_in
from index.embedding import encode
from index.retrieval import Hit

# Below this chunk cohesion (index/cohesion.py) an article is a roundup of unrelated
# stories: daily digests scored 0.15-0.51, listicles and state roundups 0.13-0.49, and the
# articles between 0.45 and 0.5 on the eval corpus were roundups and listicles too.
ROUNDUP_COHESION = 0.45


@dataclass
class SourceText:
    """One numbered source split into sentences, with their vectors."""

    n: int
    hit: Hit
    sentences: list[str]
    vectors: np.ndarray
    numbers: set[str]
    title: str = ""  # the headline, whitespace-normalised: an answer often restates it
    title_vector: np.ndarray | None = None
    words: set[str] = field(default_factory=set)  # every word of title and text, lower-cased

    @property
    def roundup(self) -> bool:
        """A digest of unrelated stories: cited only when no dedicated article supports
        the sentence (the reader wants the story, not the newsletter that mentions it)."""
        return self.hit.cohesion is not None and self.hit.cohesion < ROUNDUP_COHESION


@dataclass
class Support:
    score: float
    quote: str
    numbers_ok: bool
    names_ok: bool = True


def prepare_sources(hits: list[Hit]) -> list[SourceText]:
    """Split and embed every source's sentences in one batch."""
    per_source = [split_sentences(hit.text) or [hit.text] for hit in hits]
    flat = [s for sentences in per_source for s in sentences]
    titles = [" ".join(hit.title.split()) for hit in hits]
    vectors = encode(flat + titles)
    out, offset = [], 0
    for n, (hit, sentences) in enumerate(zip(hits, per_source), 1):
        out.append(
            SourceText(
                n=n,
                hit=hit,
                sentences=sentences,
                vectors=vectors[offset : offset + len(sentences)],
                numbers=numbers_in(hit.title + " " + hit.text),
                title=titles[n - 1],
                title_vector=vectors[len(flat) + n - 1] if titles[n - 1] else None,
                words=words_in(hit.title + " " + hit.text),
            )
        )
        offset += len(sentences)
    return out


def support_of(vector: np.ndarray, numbers: set[str], source: SourceText, names: set[str] = frozenset()) -> Support:
    """`names`: the names the sentence states (`bot.sentences.names_in`); each must be in
    the source."""
    sims = source.vectors @ vector
    best = int(np.argmax(sims))
    score, quote = float(sims[best]), source.sentences[best]
    if source.title_vector is not None:
        title_score = float(source.title_vector @ vector)
        if title_score > score:
            score, quote = title_score, source.title
    return Support(score=score, quote=quote, numbers_ok=numbers <= source.numbers,
                   names_ok=all(named_in(name, source.words) for name in names))
