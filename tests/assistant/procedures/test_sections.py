"""Procedures read over whole manual sections: a procedure or lock-out list split over chunks keeps
every step, safety is grouped into a few ticks, restore items come last, the verify step ends the
list; the same mechanism on another corpus (the MR2 Markdown service manual)."""

from __future__ import annotations

import pytest

from assistant.procedures.builder import ProcedureBuilder, unsupported_numbers
from tests.assistant.procedures.test_builder import TROUBLE, FakeRegistry, FakeRetriever, chunk
from tests.conftest import external_path


LOTO_1 = chunk("""Press Manual > 1 Safety > 1.4 Lock-out
1. Stop the pump with S2.
2. Switch isolator Q1 to OFF and fit your padlock.""", "Press Manual > 1 Safety > 1.4 Lock-out", 5)
LOTO_2 = chunk("""Press Manual > 1 Safety > 1.4 Lock-out
3. Open valve V7 until gauge PG-3 reads 0 bar.

To restore: refit all guards, close V7 and remove locks in reverse order.""", "Press Manual > 1 Safety > 1.4 Lock-out", 5)
ENERGY = chunk("""Press Manual > 1 Safety > 1.3 Energy sources
Energy source: Electrical, 400 V | Where it is stored: main cabinet | How it is isolated: isolator Q1, padlock
Energy source: Hydraulic, accumulator | Where it is stored: 10 L accumulator | How it is isolated: open V7 until 0 bar""",
               "Press Manual > 1 Safety > 1.3 Energy sources", 4)
PPE = chunk("""Press Manual > 1 Safety > 1.2 Personal protective equipment
- Safety glasses with side shields.
- Oil-resistant nitrile gloves.""", "Press Manual > 1 Safety > 1.2 Personal protective equipment", 4)
SPLIT_1 = chunk("""Press Manual > 5 Repair > 5.1 Replace suction strainer
Tools: 17 mm socket, strainer spanner 60 mm. Parts: strainer P/N 4471-22.
1. Close suction valve BV-2.
2. Unscrew the strainer with the strainer spanner.""", "Press Manual > 5 Repair > 5.1 Replace suction strainer", 9)
SPLIT_2 = chunk("""Press Manual > 5 Repair > 5.1 Replace suction strainer
3. Screw in the new strainer P/N 4471-22 and tighten to 65 N·m. The pump whines if it is loose.
4. Open valve BV-2 and top up the oil.
5. Verify: pressure reaches 210 bar within 4 s, no whining.""", "Press Manual > 5 Repair > 5.1 Replace suction strainer", 10)


class FakeSections:
    """All chunks of a chunk's section, in document order (what SectionIndex gives)."""

    def __init__(self, chunks):
        self.chunks = chunks

    def siblings(self, c):
        return [x for x in self.chunks if x.source == c.source and x.section == c.section]


class TestWholeSections:
    CHUNKS = [LOTO_1, LOTO_2, ENERGY, PPE, TROUBLE, SPLIT_1, SPLIT_2]

    def build(self, chunks=None):
        chunks = chunks or self.CHUNKS
        return ProcedureBuilder(FakeRetriever(chunks), registry=FakeRegistry(),
                                sections=FakeSections(chunks)).build("PRESS-04", "pump whines, pressure low")

    def test_every_step_of_a_procedure_split_over_chunks_verify_last(self):
        p = self.build()
        assert [s.n for s in p.steps] == [1, 2, 3, 4] and [v.n for v in p.verification] == [5]
        assert p.verification[0].text.startswith("Verify: pressure reaches 210 bar")
        pages = [p.sources[s.citations[0] - 1].page for s in p.steps + p.verification]
        assert pages == [9, 9, 10, 10, 10]  # each step cites the chunk it was copied from

    def test_tools_are_not_steps(self):
        p = self.build()
        assert [t.text for t in p.tools_parts] == ["Tools: 17 mm socket, strainer spanner 60 mm.",
                                                    "Parts: strainer P/N 4471-22."]

    def test_safety_grouped_into_few_ticks_restore_last(self):
        p = self.build()
        texts = [s.text for s in p.safety]
        assert texts[:3] == ["Stop the pump with S2.", "Switch isolator Q1 to OFF and fit your padlock.",
                             "Open valve V7 until gauge PG-3 reads 0 bar."]  # both chunks of the lock-out list
        assert [s.n for s in p.safety[:3]] == [1, 2, 3] and all(s.numbered for s in p.safety[:3])
        energy = [s for s in p.safety if s.heading == "Energy sources"]
        assert [s.text for s in energy] == ["Electrical, 400 V — isolator Q1, padlock",
                                            "Hydraulic, accumulator — open V7 until 0 bar"]  # a tick per source
        ppe = [s for s in p.safety if s.heading == "Personal protective equipment"]
        assert len(ppe) == 1 and ppe[0].details == ["Safety glasses with side shields.", "Oil-resistant nitrile gloves."]
        assert not any("restore" in t.lower() for t in texts)
        assert [r.text for r in p.restore] == ["To restore: refit all guards, close V7 and remove locks in reverse order."]
        sources = {s.n: c.text for s in p.sources for c in self.CHUNKS if c.chunk_id == s.chunk_id}
        assert unsupported_numbers(p, sources) == []

    def test_without_the_section_index_a_chunk_is_read_alone(self):
        p = ProcedureBuilder(FakeRetriever(self.CHUNKS), registry=FakeRegistry()).build("PRESS-04", "pump whines")
        assert [s.n for s in p.steps + p.verification] == [1, 2]  # what one chunk holds, nothing invented


@pytest.mark.slow
@pytest.mark.external
def test_another_corpus_markdown_service_manual(tmp_path):
    """The same mechanism on the MR2 service manual (Markdown, nested lists, hints, figures)."""
    mr2 = external_path("mr2-manual", "docs")
    from assistant.config import Settings
    from assistant.wiring import Container

    container = Container(Settings(data_dir=tmp_path))  # the product's wiring: retriever, section index
    container.ingest_pipeline.run([mr2])
    builder, index = container.procedures, container.store
    p = builder.build(None, "low oil pressure")
    assert [s.n for s in p.steps + p.verification] == list(range(1, 9))  # oil pressure check, steps 1-8
    assert p.verification[-1].text == "Start engine and check for leaks."
    assert p.steps[5].text.startswith("Check oil pressure.")
    thermostat = builder.build(None, "engine overheats, thermostat")
    assert [s.n for s in thermostat.steps + thermostat.verification] == list(range(1, 7))
    assert thermostat.steps[3].text == "Connect radiator hose to water inlet."  # "(…, step 4)" is no step mark
    texts = {s.n: c.text for s in p.sources for c in index.chunks() if c.chunk_id == s.chunk_id}
    assert unsupported_numbers(p, texts) == []
