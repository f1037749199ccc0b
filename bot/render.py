"""Plain-text rendering of an answer for the terminal."""

from __future__ import annotations

from bot.answer import Answer


def source_line(c) -> str:
    return f"[{c.n}] {c.title or '(untitled)'} — {c.published or 'date unknown'} — {c.url or c.source_path}"


def answer_text(result: Answer) -> str:
    lines = [result.answer]
    if result.note:
        lines.append(f"({result.note})")
    if result.error:
        lines.insert(0, f"(LLM unavailable: {result.error}; showing the most relevant passages)")
    if result.citations:
        lines += ["", "Sources:"] + [source_line(c) for c in result.citations]
    if result.related:
        lines += ["", "Related articles (read, but none states the answer):"]
        lines += [f"- {c.title or '(untitled)'} — {c.published or 'date unknown'} — {c.url or c.source_path}"
                  for c in result.related]
    return "\n".join(lines)
