"""Remove chat-template control strings from untrusted text before it reaches a model.

A model server that renders a chat template and tokenizes it with special tokens enabled
(llama.cpp, Ollama, vLLM) turns the string `<|im_end|>` inside an article into the real
end-of-turn token: the article could close the user's turn and write the assistant's.
`COMMON` covers the chat formats of the families newsbot can be pointed at (ChatML,
Llama 2/3, Mistral, Phi, Gemma, DeepSeek, fill-in-the-middle); the local backend adds
its own model's special tokens read from the GGUF (`gguf_vocab.special_tokens`).
Removal repeats until nothing is left, so `<|im_<|im_end|>start|>` cannot reassemble.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

COMMON = re.compile(
    r"<\|[^<>|\s]{1,64}\|>"                  # ChatML, Llama 3, Phi, FIM: <|im_start|>, <|eot_id|>, <|user|>
    r"|<｜[^<>｜\s]{1,64}｜>"                 # DeepSeek: <｜begin▁of▁sentence｜>, <｜User｜>
    r"|</?s>|<unk>|<pad>|<mask>|</?bos>|</?eos>"
    r"|\[/?INST\]|<</?SYS>>"                 # Llama 2, Mistral
    r"|\[/?(?:SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|THINK)\]"
    r"|<(?:start|end)_of_(?:turn|image)>"    # Gemma
    r"|</?(?:tool_call|tool_response|think)>",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def _pattern(extra: frozenset[str]) -> re.Pattern | None:
    if not extra:
        return None
    # Longest first, as llama.cpp matches them, so a longer token is removed whole.
    return re.compile("|".join(re.escape(t) for t in sorted(extra, key=len, reverse=True)))


def strip_special_tokens(text: str, extra: Iterable[str] = ()) -> str:
    """`text` without any string of `COMMON` or `extra` (a model's own special tokens)."""
    model = _pattern(frozenset(extra))
    while True:
        cleaned = COMMON.sub("", text)
        if model is not None:
            cleaned = model.sub("", cleaned)
        if cleaned == text:
            return text
        text = cleaned
