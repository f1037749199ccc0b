"""Shared plumbing for backends that are llama-index LLM classes (Ollama, OpenAI-like):
message conversion, streaming, and turning connection errors into one clear LLMError."""

from __future__ import annotations

from bot.llm.base import LLM, LLMError, Messages, OnToken
from index.redact import redact, redact_url


class LlamaIndexLLM(LLM):
    """Adapts a llama-index `LLM` (chat / stream_chat) to our interface."""

    def __init__(self, client, where: str):
        self.client = client
        self.where = redact_url(where)  # printed in errors and `describe()`: no credentials

    def describe(self) -> str:
        return f"{self.name}:{getattr(self.client, 'model', '?')}@{self.where}"

    def chat(self, messages: Messages, max_tokens: int, on_token: OnToken | None = None) -> str:
        from llama_index.core.llms import ChatMessage

        chat_messages = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        try:
            if on_token is None:
                return self.client.chat(chat_messages).message.content or ""
            text = ""
            for part in self.client.stream_chat(chat_messages):
                if part.delta:
                    text += part.delta
                    on_token(part.delta)
            return text
        except Exception as exc:  # httpx/openai/ollama each raise their own types
            raise LLMError(f"{self.name} backend at {self.where} failed: {type(exc).__name__}: {redact(str(exc))}") from exc
