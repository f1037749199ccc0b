"""all-MiniLM-L6-v2 on ONNX Runtime: the `onnx` embedding backend, without torch.

`OnnxEmbedding` wraps `OnnxEncoder` (index/onnx_encoder.py: what sentence-transformers does
for this model, with `tokenizers`, onnxruntime and numpy only) as a llama-index embedding,
so ingest uses it exactly like HuggingFaceEmbedding.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.onnx_encoder import OnnxEncoder


class OnnxEmbedding(BaseEmbedding):
    """llama-index's view of `OnnxEncoder` (queries and texts are embedded alike: the
    model has no query prompt)."""

    _encoder: OnnxEncoder = PrivateAttr()

    def __init__(self, encoder: OnnxEncoder, model_name: str, embed_batch_size: int = 64, **kwargs: Any):
        super().__init__(model_name=model_name, embed_batch_size=embed_batch_size, **kwargs)
        self._encoder = encoder

    @classmethod
    def class_name(cls) -> str:
        return "NewsbotOnnxEmbedding"

    @property
    def encoder(self) -> OnnxEncoder:
        return self._encoder

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return self._encoder.encode(texts).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings(texts)
