"""`newsbot report`: what people asked, what went unanswered, how fast, how it was rated.

Coverage gaps are the refused questions grouped by topic: each question's MiniLM vector
(stored in the log when it was refused) joins the first group whose centre is within
`GAP_SIMILARITY` cosine, else starts its own (single pass, so 10,000 entries report in
well under a second). A group is labelled with its most
central question, the one an operator reads to decide what to ingest next.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from bot.question_log import vector_of

# Paraphrases of one question score 0.6-0.9 with MiniLM, unrelated news questions < 0.4.
GAP_SIMILARITY = 0.55


@dataclass
class Gap:
    label: str
    count: int
    questions: list[str]


@dataclass
class Report:
    since: str | None
    questions: int
    refused: int
    per_day: dict[str, dict[str, int]]
    latency_ms: dict[str, float | None]
    feedback: dict[str, int]
    downvoted: list[dict] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.questions if self.questions else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "refusal_rate": round(self.refusal_rate, 3)}

    def markdown(self) -> str:
        lines = [f"# newsbot report{f' since {self.since}' if self.since else ''}", ""]
        lines.append(
            f"{self.questions} questions, {self.refused} refused ({self.refusal_rate:.0%}); "
            f"answer p50 {_ms(self.latency_ms['p50'])}, p95 {_ms(self.latency_ms['p95'])}; "
            f"feedback 👍 {self.feedback.get('up', 0)} / 👎 {self.feedback.get('down', 0)}"
        )
        if self.per_day:
            surfaces = sorted({s for day in self.per_day.values() for s in day})
            lines += ["", "| day | " + " | ".join(surfaces) + " |", "|---" * (len(surfaces) + 1) + "|"]
            for day, counts in sorted(self.per_day.items()):
                lines.append(f"| {day} | " + " | ".join(str(counts.get(s, 0)) for s in surfaces) + " |")
        if self.gaps:
            lines += ["", "## Coverage gaps (refused questions by topic)", ""]
            lines += [f"- {gap.count} × {gap.label}" for gap in self.gaps]
        if self.downvoted:
            lines += ["", "## 👎 answers", ""]
            lines += [f"- {d['question']!r}" + (f" — {d['reason']}" if d.get("reason") else "") for d in self.downvoted]
        return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1000:.1f} s"


def build_report(entries: list[dict], since: date | None = None, embed=None) -> Report:
    """The report over the log's `entries`; `embed(texts) -> unit vectors` groups the gaps
    (default: the configured embedding model)."""
    cutoff = since.isoformat() if since else ""
    questions = [e for e in entries if e.get("kind") == "question" and str(e.get("time", "")) >= cutoff]
    by_id = {e.get("id"): e for e in questions}
    feedback = [e for e in entries if e.get("kind") == "feedback" and e.get("id") in by_id]

    per_day: dict[str, Counter] = defaultdict(Counter)
    for e in questions:
        per_day[str(e.get("time", ""))[:10]][str(e.get("surface") or "?")] += 1
    latencies = [float(e["latency_ms"]) for e in questions if isinstance(e.get("latency_ms"), (int, float))]
    refused = [e for e in questions if e.get("refused")]
    # a refusal within limits the asker set (dates, outlets) says nothing about the index
    gaps = [e for e in refused if not e.get("narrowed")]
    votes = Counter(str(f.get("value")) for f in feedback)
    downvoted = [
        {"question": by_id[f["id"]].get("question"), "reason": f.get("reason"), "time": f.get("time")}
        for f in feedback if f.get("value") == "down"
    ]
    return Report(
        since=cutoff or None,
        questions=len(questions),
        refused=len(refused),
        per_day={day: dict(counts) for day, counts in sorted(per_day.items())},
        latency_ms={
            "p50": float(np.percentile(latencies, 50)) if latencies else None,
            "p95": float(np.percentile(latencies, 95)) if latencies else None,
        },
        feedback={"up": votes.get("up", 0), "down": votes.get("down", 0)},
        downvoted=downvoted,
        gaps=coverage_gaps([str(e.get("question") or "") for e in gaps], embed,
                           vectors=[vector_of(e) for e in gaps]),
    )


def coverage_gaps(
    questions: list[str], embed=None, similarity: float = GAP_SIMILARITY, vectors: list | None = None,
) -> list[Gap]:
    """Refused questions grouped by topic, largest group first. `vectors`: the ones the log
    stored (None where it has none: those are embedded at report time)."""
    known = vectors or [None] * len(questions)
    pairs = [(q, v) for q, v in zip(questions, known) if q.strip()]
    if not pairs:
        return []
    questions = [q for q, _ in pairs]
    missing = [i for i, (_, v) in enumerate(pairs) if v is None]
    if missing:
        if embed is None:
            from index.embedding import encode as embed
        fresh = np.asarray(embed([questions[i] for i in missing]), dtype=np.float32)
    rows = {i: row for i, row in zip(missing, fresh)} if missing else {}
    vectors = np.stack([rows[i] if v is None else v for i, (_, v) in enumerate(pairs)]).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sums = np.zeros_like(vectors)  # per group: the sum of its members' vectors
    centres = np.zeros_like(vectors)  # per group: that sum, normalised
    members: list[list[int]] = []
    for i, vector in enumerate(vectors):
        groups = len(members)
        scores = centres[:groups] @ vector
        best = int(np.argmax(scores)) if groups else -1
        if best < 0 or scores[best] < similarity:
            best = groups
            members.append([])
        members[best].append(i)
        sums[best] += vector
        centres[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-12)
    gaps = []
    for group, centre in zip(members, centres):
        label = questions[group[int(np.argmax(vectors[group] @ centre))]]
        gaps.append(Gap(label=label, count=len(group), questions=[questions[i] for i in group]))
    return sorted(gaps, key=lambda g: -g.count)
