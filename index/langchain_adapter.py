"""The one place where our Chunk meets LangChain's Document.

>>> lc = MaintassistRetriever(retriever=store.retriever(), k=4)      # doctest: +SKIP
>>> docs = lc.invoke("E-204 on press 4")                              # doctest: +SKIP
>>> docs[0].metadata["source"], docs[0].metadata["score"]            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.types import Filters, Retriever, ScoredChunk
from ingest.types import Chunk

_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk) if f.name != "text")
_SCORE_FIELDS = ("score", "dense_score", "bm25_score", "ranks")


def chunk_to_document(chunk: Chunk, scored: ScoredChunk | None = None) -> Document:
    """Document whose page_content is the chunk text and whose metadata holds every other chunk
    field (``metadata`` nested as-is) plus, when given, the retrieval scores and ranks."""
    metadata: dict[str, Any] = {name: getattr(chunk, name) for name in _CHUNK_FIELDS}
    metadata["metadata"] = dict(chunk.metadata)
    if scored is not None:
        metadata.update(
            score=scored.score, dense_score=scored.dense_score, bm25_score=scored.bm25_score, ranks=dict(scored.ranks)
        )
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.chunk_id)


def document_to_chunk(document: Document) -> Chunk:
    """Inverse of ``chunk_to_document`` (scores are dropped). Requires chunk_id, source and doc_type."""
    meta = document.metadata
    missing = [name for name in ("chunk_id", "source", "doc_type") if meta.get(name) is None]
    if missing and not (missing == ["chunk_id"] and document.id):
        raise ValueError(f"document metadata lacks {', '.join(missing)}; it was not made by chunk_to_document")
    values = {name: meta.get(name) for name in _CHUNK_FIELDS if name in meta}
    values["chunk_id"] = meta.get("chunk_id") or document.id
    values["metadata"] = dict(meta.get("metadata") or {})
    return Chunk(text=document.page_content, **values)


class MaintassistRetriever(BaseRetriever):
    """LangChain ``BaseRetriever`` over any of our ``Retriever``s (hybrid, dense-only, fakes)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # index.types.Retriever; Any because Protocols are not pydantic-validatable
    k: int = 6
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        retriever: Retriever = self.retriever
        hits = retriever.retrieve(query, self.k, self.filters)
        return [chunk_to_document(hit.chunk, hit) for hit in hits]
