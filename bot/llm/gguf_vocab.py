"""The special tokens of a GGUF model, read from its metadata header.

llama.cpp parses the text of every chat message with special tokens enabled: a string
equal to a control token (`<|im_start|>`) becomes that token, so article text could
close the user's turn and open a new one. The strings to remove are the ones llama.cpp
treats as special: tokens of type CONTROL and UNKNOWN, and USER_DEFINED ones that look
like markers (`<tool_call>`, `[INST]`); user-defined words and whitespace runs tokenize
as plain text either way and are left in.

Only the key/value header is read (a walk of ~0.3 M small records): the `gguf` package's
reader parses every tensor and array element into objects, which costs seconds to tens
of seconds per model at every start.
"""

from __future__ import annotations

import mmap
import re
import struct
from functools import lru_cache
from pathlib import Path

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
_MARKER = re.compile(r"^(<[^<>\s]+>|\[[^\[\]\s]+\])$")

# GGUF value types: fixed sizes and struct codes (little-endian files).
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    """The file is not a GGUF this reader understands (the message says why)."""


class _Header:
    """A forward-only reader over the mmap-ed header."""

    def __init__(self, data) -> None:
        self.data = data
        self.pos = 0

    def take(self, code: str):
        value = struct.unpack_from("<" + code, self.data, self.pos)[0]
        self.pos += struct.calcsize(code)
        return value

    def string(self) -> str:
        size = self.take("Q")
        start, self.pos = self.pos, self.pos + size
        return bytes(self.data[start:self.pos]).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.pos += 8 + struct.unpack_from("<Q", self.data, self.pos)[0]

    def value(self, kind: int, keep: bool):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind != _ARRAY:
            raise GGUFError(f"unknown GGUF value type {kind}")
        item, count = self.take("I"), self.take("Q")
        if item in _SCALARS:
            code = _SCALARS[item]
            size = struct.calcsize(code)
            start, self.pos = self.pos, self.pos + count * size
            return list(struct.unpack_from(f"<{count}{code}", self.data, start)) if keep else None
        if item == _STRING:
            if keep:
                return [self.string() for _ in range(count)]
            for _ in range(count):
                self.skip_string()
            return None
        for _ in range(count):  # arrays of arrays: not used by tokenizers, skipped
            self.value(item, keep=False)
        return None


def read_vocab(path: Path) -> tuple[list[str], list[int]]:
    """(tokens, token types) of the model's tokenizer, from the GGUF header."""
    wanted = {"tokenizer.ggml.tokens", "tokenizer.ggml.token_type"}
    found: dict[str, list] = {}
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != b"GGUF":
            raise GGUFError(f"{path} is not a GGUF file")
        header = _Header(data)
        header.pos = 4
        try:
            version = header.take("I")
            if not 2 <= version < 0x10000:  # 1 is too old; a huge number is a big-endian file
                raise GGUFError(f"{path}: GGUF version {version} is not supported")
            header.take("Q")  # tensor count
            for _ in range(header.take("Q")):
                key = header.string()
                kind = header.take("I")
                value = header.value(kind, keep=key in wanted)
                if key in wanted:
                    found[key] = value
                if len(found) == len(wanted):
                    break
        except (struct.error, IndexError) as exc:
            raise GGUFError(f"{path}: the GGUF header ends early ({exc})") from None
    tokens = found.get("tokenizer.ggml.tokens") or []
    types = found.get("tokenizer.ggml.token_type") or [NORMAL] * len(tokens)
    return tokens, types


@lru_cache(maxsize=8)
def _special_tokens(path: str, _mtime_ns: int) -> frozenset[str]:
    tokens, types = read_vocab(Path(path))
    special = set()
    for text, kind in zip(tokens, types):
        if not text.strip():
            continue
        if kind in (CONTROL, UNKNOWN) or (kind == USER_DEFINED and _MARKER.match(text)):
            special.add(text)
    return frozenset(special)


def special_tokens(path: Path) -> frozenset[str]:
    """The strings llama.cpp would turn into control tokens for this model (cached per file)."""
    return _special_tokens(str(path), Path(path).stat().st_mtime_ns)
