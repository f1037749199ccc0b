"""Any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, OpenAI itself)
through llama-index-llms-openai-like. The API key is optional."""

from __future__ import annotations

from bot.llm.base import LLMError
from bot.llm.llama_index_backend import LlamaIndexLLM
from index.settings import Settings


class OpenAICompatibleLLM(LlamaIndexLLM):
    name = "openai"

    def __init__(self, settings: Settings):
        from llama_index.llms.openai_like import OpenAILike

        if not settings.llm_base_url:
            raise LLMError("NEWSBOT_LLM=openai needs NEWSBOT_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        client = OpenAILike(
            model=settings.llm_model,
            api_base=settings.llm_base_url,
            api_key=key,
            is_chat_model=True,
            context_window=settings.context_tokens(),
            max_tokens=settings.llm_max_tokens,
            temperature=0.0,
            timeout=settings.answer_timeout,
            max_retries=0,
        )
        super().__init__(client, settings.llm_base_url)
