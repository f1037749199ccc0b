"""Article → llama-index Document → chunks sized in the embedding model's own wordpieces.

A chunk longer than the model's `max_seq_length` (256 for MiniLM) is silently truncated
by sentence-transformers, and facts in its tail are never retrieved; so the splitter
counts tokens with the model's tokenizer, and the title that is embedded with each
chunk is counted too.
"""

from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, MetadataMode, TransformComponent

from index.embedding import count_tokens
from index.schema import EMBEDDED_METADATA, chunk_id, day_number
from ingest.article import Article


def article_to_document(article: Article) -> Document:
    published_day = day_number(article.published) if article.published else -1
    metadata = {
        "article_id": article.article_id,
        "title": article.title,
        "published": article.published or "",
        "published_day": published_day,
        "url": article.url or "",
        "source_path": article.source_path,
        "source": article.source or "",
        "authors": ", ".join(article.authors),
        "category": article.category or "",
        "body_hash": article.body_hash,
    }
    return Document(
        id_=article.article_id,
        text=article.text,
        metadata=metadata,
        excluded_embed_metadata_keys=[k for k in metadata if k not in EMBEDDED_METADATA],
        excluded_llm_metadata_keys=list(metadata),
        metadata_template="{value}",
        metadata_seperator="\n",
        text_template="{metadata_str}\n\n{content}",
    )


def make_splitter(chunk_tokens: int, overlap: int) -> SentenceSplitter:
    """SentenceSplitter counting MiniLM wordpieces, with stable `<article_id>-<n>` ids."""
    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        tokenizer=count_tokens,
        paragraph_separator="\n\n",
        id_func=lambda i, doc: chunk_id(doc.id_, i),
    )


class LongestFirst(TransformComponent):
    """Orders chunks by length before the embedding step.

    llama-index embeds nodes in batches of `embed_batch_size` in the order it gets them,
    and each batch is padded to its longest chunk; an article's short last chunk padded to
    256 wordpieces wastes most of its compute. Sorting the run's chunks first is what a
    bare `SentenceTransformer.encode` over all texts does."""

    def __call__(self, nodes: list[BaseNode], **kwargs) -> list[BaseNode]:
        return sorted(nodes, key=lambda node: len(node.get_content(metadata_mode=MetadataMode.EMBED)), reverse=True)
