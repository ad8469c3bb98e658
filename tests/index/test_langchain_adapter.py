from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from index.langchain_adapter import MaintassistRetriever, chunk_to_document, document_to_chunk
from index.store import IndexStore
from index.types import Filters, ScoredChunk
from tests.index.conftest import WORK_ORDERS, corpus, make_chunk, upserts


class TestLangChainAdapter:
    def test_retriever_returns_documents_with_metadata_and_scores(self, tmp_path, embedder):
        store = IndexStore.open(tmp_path / "index", embedder, use_gpu="never")
        store.apply(upserts(corpus()), [])
        lc = MaintassistRetriever(retriever=store.retriever(), k=2, filters=Filters(doc_types=("work_order",)))
        assert isinstance(lc, BaseRetriever)
        docs = lc.invoke("E-204 pressure low")
        assert 1 <= len(docs) <= 2 and all(isinstance(d, Document) for d in docs)
        top = docs[0]
        assert "E-204" in top.page_content
        assert top.metadata["source"] == WORK_ORDERS and top.metadata["record_id"] == "WO259900"
        assert top.metadata["doc_type"] == "work_order" and top.metadata["date"] == "2024-07-21"
        assert top.metadata["score"] > 0 and top.metadata["bm25_score"] > 0 and "bm25" in top.metadata["ranks"]
        assert top.id == top.metadata["chunk_id"]

    def test_fail_closed_filter_gives_no_documents(self, tmp_path, embedder):
        store = IndexStore.open(tmp_path / "index", embedder, use_gpu="never")
        store.apply(upserts(corpus()), [])
        assert MaintassistRetriever(retriever=store.retriever(), filters=Filters(asset="NOPE")).invoke("E-204") == []

    def test_chunk_document_round_trip(self):
        chunk = make_chunk("/m/press.pdf", 3, "Torque to 45 Nm", page=12, section="Seals > Main seal",
                           asset="PRESS-04", metadata={"title_path": ["Seals"]})
        doc = chunk_to_document(chunk, ScoredChunk(chunk=chunk, score=0.03, dense_score=0.7, ranks={"dense": 1}))
        assert doc.metadata["page"] == 12 and doc.metadata["section"] == "Seals > Main seal"
        assert doc.metadata["dense_score"] == 0.7 and doc.metadata["bm25_score"] is None
        assert document_to_chunk(doc) == chunk
        assert document_to_chunk(chunk_to_document(chunk)) == chunk

    def test_foreign_document_is_refused(self):
        import pytest

        with pytest.raises(ValueError, match="source, doc_type"):
            document_to_chunk(Document(page_content="x", metadata={"chunk_id": "c1"}))
