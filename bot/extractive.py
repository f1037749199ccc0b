"""The `none` backend and the fallback of every other one: the retrieved sentences that
best answer the question, each with its citation. Deterministic, no LLM."""

from __future__ import annotations

import re

from bot.citations import FirstUse
from bot.newer_claims import Claim, prefer_newer
from bot.sentences import attach_markers, named_in, names_in, numbers_in
from bot.stop_words import STOP_WORDS
from bot.support import SourceText
from index.embedding import encode

# Below this question-sentence similarity a sentence is not offered as an answer.
MIN_SENTENCE_SCORE = 0.35


def _terms(text: str) -> set[str]:
    words = (w.strip(".") for w in re.findall(r"[a-z0-9$.]+", text.lower()))  # "week." is "week"; "$5.2" stays
    return {w for w in words if w not in STOP_WORDS and len(w) > 1}


def echoes_question(sentence: str, q_terms: set[str], q_named: frozenset[str] = frozenset()) -> bool:
    """A sentence that asks something, or restates the question with next to nothing
    new, is no answer: daily digests quote the quiz question itself ("Which former pope
    was laid to rest this week?"), and it is the best match for that question. A sentence
    that adds a name or a number the question lacks ("... confirmed the codename
    ZEBRAQUOKKA for its new plant") is the answer, however much of the question it repeats.
    `q_named`: the question's names and numbers (`named_or_numbered`), computed once."""
    if "?" in sentence:
        return True
    if named_or_numbered(sentence) - q_named:
        return False
    terms = _terms(sentence)
    covered = len(q_terms & terms) / max(1, len(q_terms))
    return covered >= 0.8 and len(terms - q_terms) <= 2


def named_or_numbered(text: str) -> frozenset[str]:
    """The names and numbers a text states: what an answer adds to its question."""
    return frozenset(names_in(text) | numbers_in(text))


def about_the_question(question_names: set[str], source: SourceText) -> bool:
    """A source may answer only if it names something the question names (when the
    question names anything): an article on the US primaries does not answer a question
    about Taiwan's election, however close its sentences are."""
    return not question_names or any(named_in(name, source.words) for name in question_names)


def rank_sentences(question: str, sources: list[SourceText]) -> list[tuple[float, int, str]]:
    """(score, source n, sentence), best first: cosine similarity plus keyword overlap."""
    q_vec = encode([question])[0]
    q_terms, q_names, q_named = _terms(question), names_in(question), named_or_numbered(question)
    ranked = []
    for source in sources:
        if not about_the_question(q_names, source):
            continue
        sims = source.vectors @ q_vec
        for sentence, sim in zip(source.sentences, sims):
            if echoes_question(sentence, q_terms, q_named):
                continue
            overlap = len(q_terms & _terms(sentence)) / max(1, len(q_terms))
            ranked.append((float(sim) + 0.2 * overlap, source.n, sentence))
    ranked.sort(key=lambda item: item[0], reverse=True)
    return ranked


def extractive_answer(
    question: str, sources: list[SourceText], max_sentences: int = 2
) -> tuple[str, list[int], dict[int, str]]:
    """Answer text with [n] markers in first-use order, the sources used and their quotes."""
    candidates: list[tuple[int, str]] = []
    for score, n, sentence in rank_sentences(question, sources):
        if score < MIN_SENTENCE_SCORE or len(candidates) == max_sentences:
            break
        if all(sentence != s for _, s in candidates):
            candidates.append((n, sentence))
    picked: list[tuple[int, str, str]] = []  # (source n, quote, text shown)
    vectors = encode([s for _, s in candidates])
    for (n, sentence), vector in zip(candidates, vectors):
        shown, n, quote = prefer_newer(Claim(sentence, n, vector), sources)
        quote = quote or sentence
        if all(quote != q for _, q, _ in picked):  # two sentences resolved to one newer one
            picked.append((n, quote, shown))
    numbering = FirstUse()
    text = " ".join(attach_markers(shown, [numbering.number(n)]) for n, _, shown in picked)
    quotes: dict[int, str] = {}
    for n, quote, _ in picked:
        quotes.setdefault(n, quote)
    return text, numbering.used, quotes
