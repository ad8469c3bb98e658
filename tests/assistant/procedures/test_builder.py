"""ProcedureBuilder on hand-made manual chunks: safety first, verbatim steps with citations,
every number backed by a cited source, honest warnings when content is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.procedures.model import Procedure, Step
from assistant.procedures.builder import ProcedureBuilder, unsupported_numbers, work_order_source_text
from index.types import Filters, ScoredChunk
from ingest.types import Chunk, make_chunk_id
from tests.assistant.history.test_store import make_store, wo


class FakeRetriever:
    """Ranks hand-made chunks by shared words with the query; applies Filters like the real one."""

    def __init__(self, chunks: list[Chunk]):
        self.chunks = chunks
        self.calls: list[tuple[str, Filters | None]] = []

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]:
        self.calls.append((query, filters))
        words = set(re.findall(r"[a-z]{3,}", query.lower()))
        scored = []
        for chunk in self.chunks:
            if filters is not None and not filters.matches(chunk):
                continue
            text = f"{chunk.section or ''} {chunk.text}".lower()
            score = sum(1 for w in words if w in text)
            if score:
                scored.append(ScoredChunk(chunk=chunk, score=float(score)))
        scored.sort(key=lambda s: -s.score)
        return scored[:k]


def chunk(text: str, section: str, page: int, asset: str | None = "PRESS-04", doc_type="manual",
          source="/docs/press4_manual.pdf") -> Chunk:
    return Chunk(chunk_id=make_chunk_id(source, page, text), text=text, source=source, doc_type=doc_type,
                 page=page, section=section, asset=asset)


SAFETY = chunk("""Before any work on the hydraulic unit:
1. Switch off the main disconnect Q1 and apply your padlock (lock-out / tag-out).
2. Relieve residual pressure at test point MP-2 until the gauge reads 0 bar.
3. Wear safety glasses and oil-resistant gloves.""", "Safety > Lock-out and isolation", 4)
TROUBLE = chunk("""| Symptom | Possible cause | Remedy |
|---|---|---|
| Pump whines, pressure low | Clogged suction strainer | Clean or replace the suction strainer |
| Oil temperature high | Fouled oil cooler | Clean the cooler |""", "Troubleshooting", 31)
STRAINER = chunk("""Cleaning the suction strainer
Tools: 17 mm socket, torque wrench.
Spare part: strainer element P/N 4471-B, gasket P/N 4471-G.
1. Close the suction valve V-12.
2. Remove the four M10 bolts of the strainer cover.
3. Clean the strainer element in solvent or replace it.
4. Refit the cover and tighten the bolts to 45 N·m.
5. Open valve V-12 and test run the pump for 5 min; check that system pressure reaches 160 bar.""",
               "Maintenance > Suction strainer", 32)
OTHER = chunk("""Replacing the drive belt
1. Remove the belt guard.
2. Fit the new belt and tension to 8 mm deflection.""", "Maintenance > Belt", 40)
OTHER_ASSET_SAFETY = chunk("Lock-out: isolate chiller 7 at breaker CB-77 before opening.", "Safety", 2,
                           asset="CWC04007", source="/docs/chiller.pdf")


@pytest.fixture
def store(tmp_path):
    store = make_store(tmp_path)
    store.replace_source("/d/wo.csv", [
        wo("WO1", "2024-05-01", asset="PRESS-04", name="Hydraulic Press 4", description="Pump whining, low pressure",
           cause="Clogged suction strainer", duration_hours=2.0),
        wo("WO2", "2024-03-01", asset="PRESS-04", name="Hydraulic Press 4", description="pump whines at start",
           cause="clogged suction strainer", duration_hours=3.0),
        wo("WO3", "2024-01-01", asset="PRESS-04", name="Hydraulic Press 4", description="Low pressure, pump noisy",
           cause="Worn pump", duration_hours=6.0),
        wo("WO4", "2023-12-01", asset="PRESS-04", name="Hydraulic Press 4", description="Belt replaced"),
        wo("WO5", "2024-02-01", asset="CWC04007", name="Chiller 7", description="pump whine, low pressure",
           cause="Air in line", duration_hours=1.0),
    ])
    return store


class FakeRegistry:
    def name(self, asset_id):
        return {"PRESS-04": "Hydraulic Press 4"}.get(asset_id)


def build(chunks, store=None, asset="PRESS-04", symptom="pump whines, pressure low", **kw) -> Procedure:
    return ProcedureBuilder(FakeRetriever(chunks), store, registry=FakeRegistry(), **kw).build(asset, symptom)


def source_texts(procedure: Procedure, chunks: list[Chunk], store_rows: dict[str, str] | None = None) -> dict[int, str]:
    by_id = {c.chunk_id: c.text for c in chunks}
    return {s.n: by_id.get(s.chunk_id, "") if s.kind == "manual" else (store_rows or {}).get(s.record_id, "")
            for s in procedure.sources}


class TestBuilder:
    CHUNKS = [SAFETY, TROUBLE, STRAINER, OTHER, OTHER_ASSET_SAFETY]

    def test_safety_first_verbatim_and_cited(self, store):
        p = build(self.CHUNKS, store)
        assert [s.text for s in p.safety] == [
            "Switch off the main disconnect Q1 and apply your padlock (lock-out / tag-out).",
            "Relieve residual pressure at test point MP-2 until the gauge reads 0 bar.",
            "Wear safety glasses and oil-resistant gloves.",
        ]
        safety_source = p.sources[p.safety[0].citations[0] - 1]
        assert safety_source.page == 4 and safety_source.kind == "manual"
        assert not any("CB-77" in s.text for s in p.safety)  # another asset's lock-out never leaks in
        assert p.warnings == []

    def test_steps_copied_verbatim_from_best_procedure(self, store):
        p = build(self.CHUNKS, store)
        assert [s.n for s in p.steps] == [1, 2, 3, 4]  # step 5 (test run, check pressure) verifies
        assert p.steps[3].text == "Refit the cover and tighten the bolts to 45 N·m."
        for step in p.steps + p.verification:
            assert step.text in " ".join(STRAINER.text.split()) and not step.unsupported
            assert p.sources[step.citations[0] - 1].page == 32
        assert [(v.n, v.text[:24]) for v in p.verification] == [(5, "Open valve V-12 and test")]

    def test_causes_ranked_from_history_then_manual(self, store):
        p = build(self.CHUNKS, store)
        first = p.likely_causes[0]
        assert first.text == "Clogged suction strainer"
        assert first.evidence.startswith("2 of the last 3 similar work orders")
        assert [p.sources[n - 1].record_id for n in first.citations][:2] == ["WO1", "WO2"]
        assert "troubleshooting table" in first.evidence and p.sources[first.citations[-1] - 1].page == 31
        assert all(p.sources[n - 1].record_id != "WO5" for c in p.likely_causes for n in c.citations)
        assert p.typical_duration_h == 3.0

    def test_tools_and_part_numbers_copied(self, store):
        p = build(self.CHUNKS, store)
        assert {i.part_number for i in p.tools_parts} >= {"4471-B"}
        assert any("torque wrench" in i.text for i in p.tools_parts)

    def test_every_number_in_a_cited_source(self, store):
        p = build(self.CHUNKS, store)
        rows = {r.record_id: " ".join(str(v) for v in (r.description, r.cause, r.failure_mode, r.failure_description,
                                                       r.action, r.parts) if v)
                for r in store.search()}
        assert unsupported_numbers(p, source_texts(p, self.CHUNKS, rows)) == []

    def test_missing_safety_warns_and_invents_nothing(self):
        p = build([TROUBLE, STRAINER])
        assert p.safety == []
        assert p.warnings and "No lock-out/safety procedure found" in p.warnings[0]
        assert "Hydraulic Press 4" in p.warnings[0]
        assert "WARNING" in p.to_markdown()

    def test_no_matching_procedure_gives_no_steps(self):
        p = build([SAFETY, OTHER], symptom="hydraulic oil foaming")
        assert p.steps == [] and any("No documented repair procedure" in w for w in p.warnings)

    def test_untagged_manuals_fallback(self):
        untagged = [c.__class__(**{**c.to_dict(), "asset": None}) for c in (SAFETY, TROUBLE, STRAINER)]
        p = build(untagged + [OTHER_ASSET_SAFETY])
        assert len(p.safety) == 3 and len(p.steps) + len(p.verification) == 5
        assert all("CB-77" not in s.text for s in p.safety)

    def test_manual_filter_asks_for_manuals_of_the_asset(self):
        retriever = FakeRetriever(self.CHUNKS)
        ProcedureBuilder(retriever).build("PRESS-04", "pump whines")
        assert any(f is not None and f.asset == "PRESS-04" and f.doc_types == ("manual",) for _, f in retriever.calls)

    def test_generator_fills_only_the_title(self, store):
        class FakeTitleGenerator:
            model_id, adapter_id = "fake", None

            def __init__(self, reply):
                self.reply = reply

            def stream(self, messages, *, max_tokens=None, grammar=None):
                yield self.reply

        good = ProcedureBuilder(FakeRetriever(self.CHUNKS), store, FakeTitleGenerator("Clear the suction strainer"))
        assert good.build("PRESS-04", "pump whines").title == "Clear the suction strainer"
        bad = ProcedureBuilder(FakeRetriever(self.CHUNKS), store, FakeTitleGenerator("Set pressure to 999 bar"))
        assert "999" not in bad.build("PRESS-04", "pump whines").title

    def test_empty_symptom_rejected(self):
        with pytest.raises(ValueError, match="symptom"):
            build(self.CHUNKS, symptom="   ")


class TestChecker:
    def test_flags_number_missing_from_cited_source(self):
        p = Procedure(title="t", asset=None, symptom="s",
                      steps=[Step(n=1, text="Tighten to 45 N·m.", citations=[1]),
                             Step(n=2, text="Tighten to 50 N·m.", citations=[1]),
                             Step(n=3, text="Pressure 2.5 bar.", citations=[])])
        assert unsupported_numbers(p, ["Tighten to 45 N·m."]) == ["steps[1]: 50", "steps[2]: 2.5"]


class TestMarkdown:
    def test_checklist_rendering(self, store):
        p = build(TestBuilder.CHUNKS, store)
        md = p.to_markdown()
        assert md.index("Safety first") < md.index("Likely causes") < md.index("## 4. Procedure")
        assert "- [ ] 4. Refit the cover and tighten the bolts to 45 N·m.  [" in md
        assert "## Sources" in md and "press4_manual.pdf · p. 32" in md
        assert "**Typical duration:** 3 h" in md

    def test_unsupported_marker_rendered(self):
        p = Procedure(title="t", asset="A", symptom="s", steps=[Step(n=1, text="x", unsupported=True)])
        assert "UNSUPPORTED" in p.to_markdown()
        assert Procedure.model_validate_json(p.model_dump_json()) == p


SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"
SYMPTOMS = {  # one everyday complaint per sample asset
    "PRESS-04": "pump whines, pressure low",
    "CNC-02": "spindle overheating",
    "COMP-01": "high discharge temperature trip",
    "CONV-03": "belt running off track",
    "IMM-05": "barrel zone not heating",
}


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory):
    """The sample manuals and work orders through the real ingest pipeline, MiniLM and SQLite."""
    if not (SAMPLE / "assets.csv").exists():
        pytest.skip("sample corpus not present")
    from assistant.models import embedding_model_dir
    from index.embedder import SentenceTransformerEmbedder
    from index.store import IndexStore
    from ingest.assets import AssetRegistry
    from ingest.chunking import Chunker
    from ingest.pipeline import IngestPipeline

    tmp = tmp_path_factory.mktemp("sample")
    work_orders = make_store(tmp)
    registry = AssetRegistry()
    registry.load(SAMPLE / "assets.csv")
    index = IndexStore.open(tmp / "index", SentenceTransformerEmbedder(embedding_model_dir()))
    IngestPipeline(index, work_orders, Chunker(320, 40), max_file_mb=200, registry=registry).run(
        [SAMPLE / "manuals", SAMPLE / "work_orders.csv"])
    return index, work_orders, registry


@pytest.mark.slow
@pytest.mark.parametrize("asset", sorted(SYMPTOMS))
def test_sample_asset_procedure_is_safe_and_backed(sample_corpus, asset):
    index, work_orders, registry = sample_corpus
    p = ProcedureBuilder(index.retriever(), work_orders, registry=registry).build(asset, SYMPTOMS[asset])
    assert Procedure.model_validate_json(p.model_dump_json()) == p
    assert p.safety and not p.warnings, p.warnings
    assert any(re.search(r"lock|isolat|padlock", s.text, re.I) for s in p.safety)
    assert p.steps and all(not s.unsupported for s in p.steps + p.safety + p.verification)
    manual = {c.chunk_id: c for c in index.chunks()}
    rows = {r.record_id: work_order_source_text(r) for r in work_orders.search()}
    texts = {s.n: manual[s.chunk_id].text if s.kind == "manual" else rows[s.record_id] for s in p.sources}
    assert unsupported_numbers(p, texts) == []
    for source in p.sources:  # every manual source is this asset's manual
        assert source.kind == "work_order" or manual[source.chunk_id].asset == asset
    md = p.to_markdown()
    assert md.index("Safety first") < md.index("## 4. Procedure")


def test_sources_of_one_file_name_are_named_apart_and_work_orders_shown_whole():
    from assistant.procedures.sources import SourceBook

    book = SourceBook()
    one, other = (chunk("Close valve V-12.", "Strainer", 3, source=f"/plant/{m}/manual.pdf") for m in ("press4", "press5"))
    lone = chunk("Wear gloves.", "Safety", 4, source="/plant/press4/safety.pdf")
    for c in (one, other, lone):
        book.chunk(c)
    book.work_order(wo("WO7", "2025-03-02", description="strainer clogged", cost=120.0))
    labels = [s.label.split(" · ")[0] for s in book.named()]
    assert labels == ["press4/manual.pdf", "press5/manual.pdf", "safety.pdf", "wo.csv"]
    excerpt = book.items[-1].excerpt  # the record whole: the date and cost a step states of it are there
    assert excerpt.startswith("Work order WO7 — Chiller 7 (CWC04007), dated 2025-03-02.")
    assert "Description: strainer clogged" in excerpt and "cost 120.00" in excerpt
