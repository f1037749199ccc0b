"""llama.cpp in-process through xllamacpp, on a GGUF pulled by `newsbot models pull`.

llama.cpp tokenizes the rendered chat template with special tokens parsed, so every
message loses the model's own special-token strings (read from the GGUF) first.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bot.llm.base import LLM, LLMError, Messages, OnToken
from bot.llm.gguf_vocab import GGUFError, special_tokens
from bot.llm.pull import model_file
from bot.llm.special_tokens import strip_special_tokens
from index.settings import Settings


class _Slot:
    """A loaded model's one llama.cpp slot, the lock that serialises its requests, and the
    system message whose tokens alone its KV cache holds between requests (None: unknown)."""

    def __init__(self, server):
        self.server = server
        self.lock = threading.Lock()
        self.system: str | None = None

    def hold_system(self, messages: Messages) -> bool:
        """Leave in the slot's KV cache exactly the tokens of `messages`' system message,
        computed on their own; True when there is one for the request to reuse.

        Every answer starts with the same system message, and reading it is a sixth of an
        answer's prompt on 2 cores. But a reused prefix must always be the same one, computed
        the same way: the numerics of a token depend on how the prompt was cut into batches,
        and the same question must get the same reply in the bot and in `newsbot ask`. So the
        cache is cut back to the system message before every request (a one-token request
        that reuses it: cheap), and that message is computed afresh, alone, whenever another
        one held the slot.
        """
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        if system is None:
            self.system = None
            return False
        cached, self.system = self.system == system, None  # unknown until the request is done
        _checked(self.server.handle_chat_completions({
            "messages": [messages[0]], "max_tokens": 1, "temperature": 0.0, "seed": 1, "stream": False,
            "cache_prompt": cached,
        }))
        self.system = system
        return True


def _checked(response) -> dict:
    """llama.cpp's reply, or an LLMError saying what it returned instead."""
    if not isinstance(response, dict) or "choices" not in response:
        raise LLMError(f"llama.cpp returned an error: {str(response)[:300]}")
    return response


_servers: dict[tuple[str, int, int, str], _Slot] = {}
_servers_lock = threading.Lock()


def _load_server(path: Path, n_ctx: int, threads: int, kv_cache: str = "f16") -> _Slot:
    """One llama.cpp server per (model, context, threads, KV type) per process: loading is slow."""
    key = (str(path), n_ctx, threads, kv_cache)
    with _servers_lock:
        if key not in _servers:
            import xllamacpp

            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.verbosity = -1
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            params.warmup = False
            # Read the weights instead of mmap-ing them: llama.cpp repacks them for the CPU,
            # and with mmap the file's pages stay resident too: more peak memory, no faster.
            params.load_mode = xllamacpp.llama_load_mode.LLAMA_LOAD_MODE_NONE
            # llama.cpp's server keeps finished prompts in a RAM cache (8 GiB by default),
            # so RSS grows with every question, and one question never reuses another's
            # sources: no cache.
            params.cache_ram_mib = 0
            # Smaller compute buffers than the default micro-batch of 512: less resident
            # memory, no slower on 2 cores.
            params.n_batch = 512
            params.n_ubatch = 256
            if kv_cache == "q8_0":  # 1.5B model: -55 MB resident, eval answers ~30% slower
                params.flash_attn_type = xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_ENABLED
                params.cache_type_k = params.cache_type_v = xllamacpp.ggml_type.GGML_TYPE_Q8_0
            _servers[key] = _Slot(xllamacpp.Server(params))
        return _servers[key]


class LocalLLM(LLM):
    """The default backend: no server to run, no network, ~1 GB of RAM for the 1.5B model."""

    name = "local"

    def __init__(self, settings: Settings):
        self.path = model_file(settings.models_dir, settings.llm_model)
        self.n_ctx = settings.context_tokens()
        self.threads = settings.llm_threads or max(1, os.cpu_count() or 1)
        self.kv_cache = settings.llm_kv_cache

    def describe(self) -> str:
        return f"local:{self.path.name}"

    def _server(self):
        if not self.path.is_file():
            raise LLMError(
                f"model file {self.path} not found; run `newsbot models pull` "
                f"(or set NEWSBOT_LLM=none for extractive answers)"
            )
        return _load_server(self.path, self.n_ctx, self.threads, self.kv_cache)

    def clean(self, messages: Messages) -> Messages:
        """`messages` without any string this model would read as a control token."""
        try:
            specials = special_tokens(self.path)
        except (GGUFError, OSError, ValueError) as exc:  # no vocabulary, no prompt: refuse
            raise LLMError(f"cannot read the special tokens of {self.path}: {exc}") from exc
        return [{**m, "content": strip_special_tokens(m["content"], specials)} for m in messages]

    def chat(self, messages: Messages, max_tokens: int, on_token: OnToken | None = None) -> str:
        slot = self._server()
        server = slot.server
        messages = self.clean(messages)
        request = {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "seed": 1,
            "stream": on_token is not None,
        }
        with slot.lock:
            # Reuse only the system message's tokens (see _Slot.hold_system); nothing else of
            # the previous prompt is kept, since its batches were cut elsewhere.
            request["cache_prompt"] = slot.hold_system(messages)
            if on_token is None:
                response = _checked(server.handle_chat_completions(request))
                return response["choices"][0]["message"].get("content") or ""
            pieces: list[str] = []
            errors: list[object] = []

            def collect(chunk):
                if not isinstance(chunk, dict) or "choices" not in chunk:
                    errors.append(chunk)
                    return
                for choice in chunk["choices"]:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        pieces.append(text)
                        on_token(text)

            server.handle_chat_completions(request, collect)
            if errors and not pieces:
                raise LLMError(f"llama.cpp returned an error: {str(errors[0])[:300]}")
            return "".join(pieces)
