"""When sources disagree, the newer one wins and the answer says "as of <date>".

News figures change from one day to the next (a death toll, a price, a vote count). A
sentence of the answer is in conflict with another source when that source has a sentence
saying nearly the same thing (cosine ≥ SAME_CLAIM) with different figures. Then:
- the other source is newer: the sentence is replaced by the newer source's own sentence,
  cited to it, with "(as of <its date>)";
- the cited source is the newer: the sentence stays and gets "(as of <its date>)".
Only figures are compared: a disagreement in words is not detectable with the models we
have here without false alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from bot.sentences import before_final_stop, numbers_in
from bot.support import SourceText

# Two sentences this similar (MiniLM cosine) state the same kind of fact: one figure
# reported on two days scores 0.85-0.95 in the tests' fixtures.
SAME_CLAIM = 0.8
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass
class Claim:
    text: str  # without markers
    source: int  # the source number it is cited to
    vector: np.ndarray


def _figures(text: str) -> set[str]:
    """Numbers that can disagree (a year names a time, not a figure)."""
    return {n for n in numbers_in(text) if not _YEAR.match(n)}


def _day(source: SourceText) -> date | None:
    try:
        return date.fromisoformat(source.hit.published or "")
    except ValueError:
        return None


def _disagree(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not (a <= b or b <= a)


def as_of(text: str, day: date) -> str:
    """`Text.` → `Text (as of June 12, 2022).`"""
    return before_final_stop(text, f"(as of {day:%B} {day.day}, {day.year})")


def prefer_newer(claim: Claim, sources: list[SourceText]) -> tuple[str, int, str | None]:
    """(text, source number, quote or None when unchanged) for one cited sentence."""
    figures = _figures(claim.text)
    by_n = {s.n: s for s in sources}
    cited = by_n.get(claim.source)
    cited_day = _day(cited) if cited else None
    if not figures or cited_day is None:
        return claim.text, claim.source, None
    # The cited source's own sentence is a closer match to other reports than a paraphrase.
    quote_vector = cited.vectors[int(np.argmax(cited.vectors @ claim.vector))] if len(cited.sentences) else claim.vector
    newest: tuple[date, float, int, str] | None = None
    older_conflict = False
    for source in sources:
        day = _day(source)
        if source.n == claim.source or day is None or day == cited_day or not len(source.sentences):
            continue
        if source.roundup:  # a digest's one-line summary is no update to the story
            continue
        sims = np.maximum(source.vectors @ claim.vector, source.vectors @ quote_vector)
        for index in np.flatnonzero(sims >= SAME_CLAIM):
            sentence = source.sentences[index]
            if not _disagree(figures, _figures(sentence)):
                continue
            if day < cited_day:
                older_conflict = True
            elif newest is None or (day, sims[index]) > newest[:2]:
                newest = (day, float(sims[index]), source.n, sentence)
    if newest is not None:
        day, _, n, sentence = newest
        return as_of(sentence, day), n, sentence
    if older_conflict and "as of" not in claim.text.lower():
        return as_of(claim.text, cited_day), claim.source, None
    return claim.text, claim.source, None
