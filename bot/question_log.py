"""The question log: one JSON line per answered or refused question (CLI and Slack), and
one per 👍/👎, joined to its question by `id`.

It is what `newsbot report` reads to tell an operator what people ask and what the index
could not answer. Lines go through a `RotatingFileHandler` (size-based rotation, one
lock per process) in `<data_dir>/questions.jsonl`; `NEWSBOT_QUESTION_LOG=off` turns it off.
Questions are user text: tokens and URL credentials in them are masked before writing.
A refused question also keeps its vector, for the report's coverage gaps.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path

import numpy as np

from index.redact import redact
from index.settings import Settings

LOG_NAME = "questions.jsonl"
_handlers: dict[Path, RotatingFileHandler] = {}
_handlers_lock = threading.Lock()


def log_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / LOG_NAME


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _handler(settings: Settings) -> RotatingFileHandler:
    """One handler per file and process: its lock serialises this process's writers."""
    path = log_path(settings).resolve()
    with _handlers_lock:
        handler = _handlers.get(path)
        if handler is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                path, maxBytes=settings.question_log_max_bytes,
                backupCount=settings.question_log_backups, encoding="utf-8",
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
            _handlers[path] = handler
        return handler


def _write(settings: Settings, entry: dict) -> None:
    if not settings.question_log:
        return
    line = json.dumps(entry, ensure_ascii=False)
    _handler(settings).emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))


def log_answer(
    settings: Settings, result, surface: str, channel: str | None = None, user: str | None = None,
    narrowed: bool = False,
) -> str:
    """Record one answer (`bot.answer.Answer`); returns the entry's id for feedback.
    `narrowed`: the asker limited the articles (dates, outlets), so a refusal is theirs,
    not a coverage gap of the index."""
    entry_id = uuid.uuid4().hex
    _write(settings, {
        "kind": "question",
        "id": entry_id,
        "time": _now(),
        "surface": surface,
        "channel": channel,
        "user": user,
        "question": redact(result.question),
        "refused": result.refused,
        "answer": redact(result.answer),
        "citations": [{"url": c.url, "title": c.title} for c in result.citations],
        "backend": result.backend,
        "model": settings.llm_model if result.backend not in ("none",) else None,
        "latency_ms": (result.timings or {}).get("total_ms"),
        "removed_markers": result.removed_markers,
        "error": redact(result.error) if result.error else None,
        **({"narrowed": True} if narrowed else {}),
        **({"vector": question_vector(result.question)} if result.refused and not narrowed else {}),
    })
    return entry_id


def question_vector(question: str) -> str:
    """A refused question's MiniLM vector (float16, base64): the report groups refused
    questions by topic without loading a model or embedding thousands of them again."""
    from index.embedding import encode

    return base64.b64encode(encode([question])[0].astype(np.float16).tobytes()).decode("ascii")


def vector_of(entry: dict) -> np.ndarray | None:
    """The vector `question_vector` stored with an entry, if any."""
    try:
        return np.frombuffer(base64.b64decode(entry["vector"]), dtype=np.float16).astype(np.float32)
    except (KeyError, TypeError, ValueError):
        return None


def log_feedback(
    settings: Settings, question_id: str | None, value: str, user: str | None,
    channel: str | None, reason: str | None = None,
) -> None:
    """Record a 👍/👎 (`value` up/down) for the question logged under `question_id`."""
    _write(settings, {
        "kind": "feedback",
        "id": question_id,
        "time": _now(),
        "value": value,
        "user": user,
        "channel": channel,
        "reason": redact(reason) if reason else None,
    })


def read_entries(settings: Settings) -> list[dict]:
    """Every entry of the log and its rotated files, oldest file first; a line that is not
    JSON (a torn write) is passed over."""
    path = log_path(settings)
    files = [path.with_name(f"{path.name}.{i}") for i in range(settings.question_log_backups, 0, -1)]
    entries: list[dict] = []
    for file in [*files, path]:
        if not file.exists():
            continue
        with file.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    entries.append(entry)
    return entries
