"""Replies kept by prompt, for `newsbot eval --llm-cache FILE`.

Every backend answers at temperature 0, so one prompt gets one reply. Kept in a file,
the replies let a change to what happens after the LLM (the citation check, roundups,
newer claims) be measured on every eval question without generating again; a change to retrieval or the prompt changes the prompts, which miss the cache
and are generated again. Latency figures of a cached run measure everything but the LLM.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from bot.llm.base import LLM, Messages, OnToken


class CachedLLM(LLM):
    """Wraps a backend: a prompt seen before (same model, messages and token limit) is
    answered from `path`, a new one by the backend and appended to `path`."""

    def __init__(self, inner: LLM, path: Path):
        self.inner = inner
        self.name = inner.name
        self.path = path
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._replies: dict[str, str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    self._replies[record["key"]] = record["reply"]

    def describe(self) -> str:
        return self.inner.describe()

    def _key(self, messages: Messages, max_tokens: int) -> str:
        blob = json.dumps([self.inner.describe(), max_tokens, messages], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def chat(self, messages: Messages, max_tokens: int, on_token: OnToken | None = None) -> str:
        key = self._key(messages, max_tokens)
        with self._lock:
            reply = self._replies.get(key)
            if reply is not None:
                self.hits += 1
        if reply is not None:
            if on_token:
                on_token(reply)
            return reply
        reply = self.inner.chat(messages, max_tokens, on_token)
        with self._lock:
            self.misses += 1
            self._replies[key] = reply
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"key": key, "reply": reply}, ensure_ascii=False) + "\n")
        return reply
