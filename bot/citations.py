"""Citation checking of a generated answer.

Every `[n]` must point to a listed source that supports its sentence; out-of-range
markers are removed, unmarked sentences get the source that supports them best, and a
sentence no source supports is dropped. Citations are renumbered 1..m by first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.newer_claims import Claim, prefer_newer
from bot.sentences import attach_markers, markers_in, names_in, numbers_in, split_sentences, strip_markers
from bot.support import SourceText, Support, support_of
from index.embedding import encode

# Cosine similarity (MiniLM) between an answer sentence and a source sentence above which
# the source counts as supporting it. Paraphrases of a source sentence score 0.6-0.9,
# sentences on the same topic without the fact 0.3-0.5 (measured on the seed and eval set).
SUPPORT_THRESHOLD = 0.55
# Support scores this close count as a tie, broken by retrieval rank.
TIE_MARGIN = 0.05


@dataclass
class CheckedAnswer:
    text: str
    used: list[int]  # original source numbers in order of first use
    quotes: dict[int, str] = field(default_factory=dict)
    verified: dict[int, bool] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    invalid_markers: int = 0


class FirstUse:
    """Source numbers renumbered 1..m in the order the answer first cites them, so a
    reader meets [1] first and the list under the answer follows the text."""

    def __init__(self) -> None:
        self.used: list[int] = []  # original source numbers, first use first

    def number(self, source: int) -> int:
        """The number `source` is shown as (given on its first use)."""
        if source not in self.used:
            self.used.append(source)
        return self.used.index(source) + 1


_PREAMBLE = re.compile(r"^\s*(answer|response)\s*:\s*", re.IGNORECASE)
# "According to the sources [1]," says nothing to a reader who sees the citations
_ATTRIBUTION = re.compile(
    r"^(according to|based on) (the )?(provided |given )?(sources?|articles?|information)\s*,?\s*", re.IGNORECASE
)


def _without_attribution(text: str) -> str:
    text = _ATTRIBUTION.sub("", text)
    return text[:1].upper() + text[1:]


def reply_sentences(raw: str) -> list[str]:
    """The sentences of an LLM reply, its "Answer:" preamble removed."""
    return split_sentences(_PREAMBLE.sub("", raw.strip()))


class CitationChecker:
    """Checks an answer one sentence at a time, so that a streamed answer and a finished
    one go through the same rules: `add()` returns the sentence as it will be shown
    (markers renumbered by first use, the newer source's figure) or None when no source
    supports it. A sentence's verdict depends only on it and the sentences before it, so
    the sentences shown while streaming are exactly the start of the final text."""

    def __init__(self, sources: list[SourceText], threshold: float = SUPPORT_THRESHOLD):
        self.sources = sources
        self.threshold = threshold
        self.by_n = {s.n: s for s in sources}
        self.shown: list[str] = []
        self.numbering = FirstUse()
        self.dropped: list[str] = []
        self.invalid = 0
        self._quotes: dict[int, tuple[float, str]] = {}

    def add(self, sentence: str) -> str | None:
        text = _without_attribution(strip_markers(sentence))
        if not re.search(r"\w", text):
            return None
        vector = encode([text])[0]
        markers = markers_in(sentence)
        self.invalid += sum(1 for n in markers if n not in self.by_n)
        numbers, names = numbers_in(text), names_in(text)
        support = {n: support_of(vector, numbers, s, names) for n, s in self.by_n.items()}
        candidates = _citable([n for n, s in support.items() if _supports(s, self.threshold)], self.by_n)
        ok = [n for n in markers if n in candidates]
        if not ok and candidates:
            ok = [_best_of(candidates, support)]
        if not ok:
            self.dropped.append(text)
            return None
        text, newer, quote = prefer_newer(Claim(text, ok[0], vector), self.sources)
        if quote is not None:  # a newer source says otherwise: its sentence replaces this one
            ok = [newer]
            self._quotes[newer] = (2.0, quote)
        for n in ok:
            if n not in self._quotes or support[n].score > self._quotes[n][0]:
                self._quotes[n] = (support[n].score, support[n].quote)
        shown = attach_markers(text, [self.numbering.number(n) for n in ok])
        self.shown.append(shown)
        return shown

    @property
    def used(self) -> list[int]:
        """The cited source numbers in order of first use."""
        return self.numbering.used

    def result(self) -> CheckedAnswer:
        return CheckedAnswer(
            text=" ".join(self.shown),
            used=list(self.used),
            quotes={n: self._quotes[n][1] for n in self.used},
            verified={n: True for n in self.used},
            dropped=list(self.dropped),
            invalid_markers=self.invalid,
        )


def check_citations(
    raw: str, sources: list[SourceText], threshold: float = SUPPORT_THRESHOLD
) -> CheckedAnswer:
    """Verify, repair and renumber the citations of `raw` against `sources` (1-based)."""
    checker = CitationChecker(sources, threshold)
    for sentence in reply_sentences(raw):
        checker.add(sentence)
    return checker.result()


def _citable(supporting: list[int], by_n: dict[int, SourceText]) -> list[int]:
    """The supporting sources a sentence may cite: a roundup only when no dedicated
    article supports it (the model's own marker on a roundup is re-attributed)."""
    dedicated = [n for n in supporting if not by_n[n].roundup]
    return dedicated or supporting


def _best_of(candidates: list[int], support: dict[int, Support]) -> int:
    """Several articles on one event often support a sentence about equally: the
    best-ranked source among those within a small margin of the best support."""
    best = max(support[n].score for n in candidates)
    return min(n for n in candidates if support[n].score >= best - TIE_MARGIN)


def _supports(support: Support, threshold: float) -> bool:
    return support.numbers_ok and support.names_ok and support.score >= threshold
