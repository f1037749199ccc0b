"""An Ollama server (`/api/chat`) through llama-index-llms-ollama."""

from __future__ import annotations

from bot.llm.llama_index_backend import LlamaIndexLLM
from index.settings import Settings


class OllamaLLM(LlamaIndexLLM):
    name = "ollama"

    def __init__(self, settings: Settings):
        from llama_index.llms.ollama import Ollama

        base_url = settings.llm_base_url or "http://127.0.0.1:11434"
        client = Ollama(
            model=settings.llm_model,
            base_url=base_url,
            request_timeout=settings.answer_timeout,
            temperature=0.0,
            context_window=settings.context_tokens(),
            additional_kwargs={"num_predict": settings.llm_max_tokens},
        )
        super().__init__(client, base_url)
