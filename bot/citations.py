"""Citation checking of a generated answer.

Every `[n]` must point to a listed source that supports its sentence; out-of-range
markers are removed, unmarked sentences get the source that supports them best, and a
sentence no source supports is dropped. Citations are renumbered 1..m by first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.newer_claims import Claim, prefer_newer
from bot.sentences import attach_markers, markers_in, numbers_in, split_sentences, strip_markers
from bot.support import SourceText, Support, support_of
from index.embedding import encode

# Cosine similarity (MiniLM) between an answer sentence and a source sentence above which
# the source counts as supporting it. Paraphrases of a source sentence score 0.6-0.9,
# sentences on the same topic without the fact 0.3-0.5 (measured on the seed and eval set).
SUPPORT_THRESHOLD = 0.55
# Support scores this close count as a tie, broken by retrieval rank.
TIE_MARGIN = 0.05


@dataclass
class CheckedSentence:
    text: str  # without markers
    sources: list[int]  # original source numbers
    verified: bool


@dataclass
class CheckedAnswer:
    text: str
    used: list[int]  # original source numbers in order of first use
    quotes: dict[int, str] = field(default_factory=dict)
    verified: dict[int, bool] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    invalid_markers: int = 0


_PREAMBLE = re.compile(r"^\s*(answer|response)\s*:\s*", re.IGNORECASE)
# "According to the sources [1]," says nothing to a reader who sees the citations
_ATTRIBUTION = re.compile(
    r"^(according to|based on) (the )?(provided |given )?(sources?|articles?|information)\s*,?\s*", re.IGNORECASE
)


def _without_attribution(text: str) -> str:
    text = _ATTRIBUTION.sub("", text)
    return text[:1].upper() + text[1:]


def check_citations(
    raw: str, sources: list[SourceText], threshold: float = SUPPORT_THRESHOLD
) -> CheckedAnswer:
    """Verify, repair and renumber the citations of `raw` against `sources` (1-based)."""
    sentences = split_sentences(_PREAMBLE.sub("", raw.strip()))
    bare = [_without_attribution(strip_markers(s)) for s in sentences]
    vectors = encode(bare) if bare else []
    by_n = {s.n: s for s in sources}
    checked: list[CheckedSentence] = []
    dropped: list[str] = []
    invalid = 0
    quotes: dict[int, tuple[float, str]] = {}
    for sentence, text, vector in zip(sentences, bare, vectors):
        if not re.search(r"\w", text):
            continue
        markers = markers_in(sentence)
        invalid += sum(1 for n in markers if n not in by_n)
        numbers = numbers_in(text)
        support = {n: support_of(vector, numbers, s) for n, s in by_n.items()}
        candidates = _citable([n for n, s in support.items() if _supports(s, threshold)], by_n)
        ok = [n for n in markers if n in candidates]
        if not ok and candidates:
            ok = [_best_of(candidates, support)]
        if not ok:
            dropped.append(text)
            continue
        text, newer, quote = prefer_newer(Claim(text, ok[0], vector), sources)
        if quote is not None:  # a newer source says otherwise: its sentence replaces this one
            ok = [newer]
            quotes[newer] = (2.0, quote)
        for n in ok:
            if n not in quotes or support[n].score > quotes[n][0]:
                quotes[n] = (support[n].score, support[n].quote)
        checked.append(CheckedSentence(text=text, sources=ok, verified=True))
    used: list[int] = []
    for sentence in checked:
        for n in sentence.sources:
            if n not in used:
                used.append(n)
    renumber = {n: i for i, n in enumerate(used, 1)}
    return CheckedAnswer(
        text=" ".join(attach_markers(c.text, [renumber[n] for n in c.sources]) for c in checked),
        used=used,
        quotes={n: q for n, (_, q) in quotes.items()},
        verified={n: True for n in used},
        dropped=dropped,
        invalid_markers=invalid,
    )


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
    return support.numbers_ok and support.score >= threshold
