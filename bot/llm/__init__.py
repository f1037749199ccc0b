"""LLM backends behind one small interface (`base.LLM`); `get_llm()` picks one by name."""

from __future__ import annotations

from bot.llm.base import LLM, LLMError
from index.settings import Settings

__all__ = ["LLM", "LLMError", "get_llm"]


def get_llm(settings: Settings, name: str | None = None) -> LLM | None:
    """The configured backend, or None for `none` (extractive answers, no LLM)."""
    name = name or settings.llm
    if name == "none":
        return None
    if name == "local":
        from bot.llm.local import LocalLLM

        return LocalLLM(settings)
    if name == "ollama":
        from bot.llm.ollama import OllamaLLM

        return OllamaLLM(settings)
    if name == "openai":
        from bot.llm.openai_compatible import OpenAICompatibleLLM

        return OpenAICompatibleLLM(settings)
    raise LLMError(f"unknown NEWSBOT_LLM={name!r}; use local, none, ollama or openai")
