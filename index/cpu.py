"""The CPU a process runs on, as far as vectors and speed depend on it: its model name and
the instruction sets ONNX Runtime and llama.cpp choose their kernels by. Read from
/proc/cpuinfo (Linux); elsewhere the platform's processor name and no flags."""

from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path

# The flags that pick a different integer or float kernel on x86 (AVX2 with its saturating
# 16-bit pair sums, AVX-512, the VNNI dot products, AMX tiles), in the kernel's names.
KERNEL_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")
CPUINFO = Path("/proc/cpuinfo")


@lru_cache(maxsize=1)
def _cpuinfo() -> dict[str, str]:
    """The first processor's fields."""
    try:
        text = CPUINFO.read_text(errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_model() -> str:
    return _cpuinfo().get("model name") or platform.processor() or platform.machine()


def cpu_features() -> list[str]:
    """Which of KERNEL_FLAGS this CPU has, in that order."""
    flags = set(_cpuinfo().get("flags", "").split())
    return [flag for flag in KERNEL_FLAGS if flag in flags]
