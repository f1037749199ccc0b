"""The interface every LLM backend implements: chat messages in, text out (optionally
streamed token by token)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

Messages = list[dict[str, str]]
OnToken = Callable[[str], None]


class LLMError(RuntimeError):
    """The backend failed (missing model, server down, timeout); the message says which."""


class LLM(ABC):
    """A chat model. Backends are stateless per call and safe to share between threads."""

    name: str = "base"

    @abstractmethod
    def chat(self, messages: Messages, max_tokens: int, on_token: OnToken | None = None) -> str:
        """The assistant's reply to `messages`; `on_token` receives pieces as they come."""

    def describe(self) -> str:
        return self.name
