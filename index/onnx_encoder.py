"""all-MiniLM-L6-v2 on ONNX Runtime, without torch and without llama-index: texts in,
vectors out. It does what sentence-transformers does for this model (wordpieces truncated
to 256 with [CLS]/[SEP], mean pooling over the attention mask, L2 normalisation) with the
`tokenizers` library, onnxruntime and numpy only. Queries and sentence similarity use it
directly, so a `newsbot ask` never imports llama-index (about a second of its start-up);
index/onnx_embedding.py wraps it for ingest.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from index.embedding import DIMENSION
from index.onnx_export import MODEL_FILE, TOKENIZER_FILE


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _session(model_dir: Path, threads: int):
    """An inference session over the export, from its optimized graph when one is saved.

    Optimizing the graph is about a third of creating a session (~0.07 s of every cold
    `newsbot ask`). The first session saves the optimized graph beside the export (named
    by the onnxruntime version that wrote it, as its format is that version's; extended
    level, which ORT documents as portable) and later ones load it with optimizations off:
    their vectors are bit-identical (checked on 200 articles), so the embedding id stays."""
    import onnxruntime as ort

    def load(path: Path, level, save_to: Path | None = None):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = level
        opts.log_severity_level = 3
        if save_to is not None:
            opts.optimized_model_filepath = str(save_to)
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    levels = ort.GraphOptimizationLevel
    optimized = model_dir / f"model.optimized-ort{ort.__version__}.onnx"
    if optimized.is_file():
        try:
            return load(optimized, levels.ORT_DISABLE_ALL)
        except Exception:  # noqa: BLE001 - a damaged cache: build from the export below
            pass
    scratch = optimized.with_name(f"{optimized.name}.{os.getpid()}.tmp")
    try:
        session = load(model_dir / MODEL_FILE, levels.ORT_ENABLE_EXTENDED, save_to=scratch)
    except Exception:  # noqa: BLE001 - e.g. a read-only models folder; a bad export raises below
        scratch.unlink(missing_ok=True)
        return load(model_dir / MODEL_FILE, levels.ORT_ENABLE_EXTENDED)
    try:
        os.replace(scratch, optimized)  # atomic: a concurrent reader sees all of it or none
    except OSError:
        scratch.unlink(missing_ok=True)
    return session


class OnnxEncoder:
    """Texts in, unit-length float32 rows out; safe to share between threads."""

    def __init__(self, model_dir: str | Path, max_seq_length: int = 256, threads: int | None = None):
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        self.max_seq_length = max_seq_length
        self.tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        # tokenizer.json ships with truncation at 128 and padding to 128: use the model's
        # own limit (special tokens included, like sentence-transformers) and pad per batch
        self.tokenizer.enable_truncation(max_length=max_seq_length)
        self.tokenizer.no_padding()
        self.session = _session(model_dir, threads or _cores())
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,  # noqa: ARG002 - sentence-transformers' signature; see below
        normalize_embeddings: bool = True,
        **_ignored: Any,  # sentence-transformers' other options (convert_to_numpy, ...)
    ) -> np.ndarray:
        """One row per text, in the order given, each text run through the model alone.

        The int8 model quantizes its activations with one scale per run (ONNX Runtime's
        DynamicQuantizeLinear takes the min and max of the whole input), so a text run in
        a batch gets a vector that depends on the other texts and on their padding (cosine
        down to 0.99 to itself run alone). Alone, a text's vector depends on the text only,
        whichever process, batch or call embeds it; it costs no speed, as no padding is
        computed (docs/benchmarks.md, "Portable vectors")."""
        if isinstance(texts, str):
            texts = [texts]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            out[row] = self._run(encoding, normalize_embeddings)
        return out

    def _run(self, encoding, normalize: bool) -> np.ndarray:
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        vector = hidden[0].mean(axis=0)
        if normalize:
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
        return vector
