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
        batch_size: int = 64,
        normalize_embeddings: bool = True,
        **_ignored: Any,  # sentence-transformers' other options (convert_to_numpy, ...)
    ) -> np.ndarray:
        """One row per text, in the order given. Batches are formed from texts of similar
        length (sorted by wordpiece count), so that little padding is computed."""
        if isinstance(texts, str):
            texts = [texts]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), max(1, batch_size)):
            rows = order[start : start + batch_size]
            out[rows] = self._run([encodings[i] for i in rows], normalize_embeddings)
        return out

    def _run(self, encodings, normalize: bool) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if normalize:
            vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors
