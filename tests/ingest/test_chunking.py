"""Chunker invariants: metadata kept, procedures and table rows not split, overlap, merging, ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import Chunker
from ingest.manuals.loader import load_manual
from ingest.tokens import FakeWordPieceCounter, MiniLMTokenCounter
from ingest.types import SourceDocument

FIXTURES = Path(__file__).parent / "fixtures" / "manuals"
COUNTER = FakeWordPieceCounter()


def chunker(chunk_tokens: int = 120, overlap: int = 10, **kw) -> Chunker:
    return Chunker(chunk_tokens, overlap, counter=COUNTER, **kw)


def manual(text: str, **kw) -> SourceDocument:
    fields = dict(source="/plant/manuals/press.md", doc_type="manual", title="Press HP-200")
    fields.update(kw)
    return SourceDocument(text=text, **fields)


def prose(n: int, word: str = "pressure") -> str:
    return " ".join(f"Sentence {i} about the {word} check." for i in range(n))


PROCEDURE = "\n".join(
    [
        "1. Lock out the press and verify zero energy.",
        "2. Remove the guard.",
        "    a. Undo the four bolts.",
        "    b. Lift the guard off.",
        "3. Replace the seal and torque the bolts to 45 N m.",
    ]
)


class TestMetadata:
    def test_every_chunk_keeps_document_metadata(self):
        doc = manual(
            prose(60),
            page=7,
            section="Hydraulics > Pump",
            asset="PRESS-04",
            date="2024-03-01",
            record_id="R-1",
            metadata={"model": "HP-200"},
        )
        chunks = chunker().split(doc)
        assert len(chunks) > 1
        for c in chunks:
            assert (c.source, c.page, c.section, c.title) == (doc.source, 7, "Hydraulics > Pump", "Press HP-200")
            assert (c.asset, c.date, c.record_id, c.doc_type) == ("PRESS-04", "2024-03-01", "R-1", "manual")
            assert c.metadata == {"model": "HP-200"} and c.metadata is not doc.metadata
            assert COUNTER.count(c.text) <= 120

    def test_header_line_is_title_and_section_path(self):
        doc = manual("# Press HP-200\n\n## Safety\n\n### Lock-out\n\n" + prose(12))
        chunks = chunker(merge_below_tokens=0).split(doc)
        assert chunks[0].section == "Press HP-200 > Safety > Lock-out"
        # the title is not repeated when the path already starts with it
        assert chunks[0].text.split("\n")[0] == "Press HP-200 > Safety > Lock-out"

    def test_header_adds_title_when_path_does_not_start_with_it(self):
        chunks = chunker().split(manual("Check oil daily.", section="DAILY CHECKS", page=3))
        assert chunks[0].text == "Press HP-200 > DAILY CHECKS\nCheck oil daily."
        assert chunks[0].page == 3

    def test_short_work_order_is_one_verbatim_chunk(self):
        doc = SourceDocument(
            text="WO259747 Chiller 6: cond. fan mtr tripped\nReset OL, checked amps OK.",
            source="/plant/wo.csv",
            doc_type="work_order",
            record_id="WO259747",
            asset="CH-6",
            date="2020-05-01",
            metadata={"failure_code": "M013"},
        )
        [chunk] = chunker().split(doc)
        assert chunk.text == doc.text
        assert (chunk.record_id, chunk.asset, chunk.date, chunk.section, chunk.metadata) == (
            "WO259747",
            "CH-6",
            "2020-05-01",
            None,
            {"failure_code": "M013"},
        )

    def test_headings_in_records_are_not_parsed(self):
        doc = SourceDocument(text="# 3 bearing replaced\nok", source="/p/wo.csv", doc_type="work_order")
        [chunk] = chunker().split(doc)
        assert chunk.section is None and chunk.text == doc.text


class TestStructure:
    def test_procedure_that_fits_moves_whole_to_next_chunk(self):
        # prose fills most of the budget, so the procedure does not fit behind it
        doc = manual(prose(9) + "\n\n" + PROCEDURE + "\n\n" + prose(3, "valve"))
        chunks = chunker(chunk_tokens=100, overlap=0).split(doc)
        holders = [c for c in chunks if "1. Lock out" in c.text]
        assert len(holders) == 1 and PROCEDURE in holders[0].text
        assert sum(c.text.count("Lift the guard off.") for c in chunks) == 1

    def test_oversize_procedure_splits_only_between_steps(self):
        steps = [f"{i}. Step {i}: {prose(2, 'step')}" for i in range(1, 13)]
        doc = manual("\n".join(steps))
        chunks = chunker(chunk_tokens=90, overlap=0).split(doc)
        assert len(chunks) > 1
        body = [line for c in chunks for line in c.text.split("\n")[1:]]
        assert body == steps  # every step whole, in order, exactly once

    def test_table_rows_are_never_split(self):
        rows = [f"Problem: Fault {i} | Possible cause: Cause {i} | Remedy: Remedy {i}" for i in range(40)]
        doc = manual("# Troubleshooting\n\n" + "\n".join(rows))
        chunks = chunker(chunk_tokens=80, overlap=5).split(doc)
        assert len(chunks) > 3
        seen = [line for c in chunks for line in c.text.split("\n")[1:]]
        assert seen == rows
        assert all(c.section == "Troubleshooting" for c in chunks)

    def test_long_prose_overlaps(self):
        chunks = chunker(chunk_tokens=60, overlap=12).split(manual(prose(30)))
        assert len(chunks) > 2
        for a, b in zip(chunks, chunks[1:]):
            last_sentence = a.text.split(". ")[-1].rstrip(".")
            assert last_sentence in b.text.split("\n", 1)[1]

    def test_overlap_across_paragraph_boundary(self):
        doc = manual(prose(8) + "\n\n" + prose(8, "valve"))
        chunks = chunker(chunk_tokens=80, overlap=12).split(doc)
        assert len(chunks) == 2
        assert chunks[1].text.split("\n")[1] == "Sentence 7 about the pressure check."
        assert chunks[1].text.endswith("Sentence 7 about the valve check.")

    def test_tiny_sections_merge_under_their_parent(self):
        text = "# Press HP-200\n\n## Safety\n\n### Lock-out\n\nUse your own padlock.\n\n### Guards\n\nCheck the curtain."
        [chunk] = chunker().split(manual(text))
        assert chunk.section == "Press HP-200 > Safety"
        assert "Lock-out\nUse your own padlock." in chunk.text and "Guards\nCheck the curtain." in chunk.text

    def test_large_sections_keep_their_own_path(self):
        text = f"# Press HP-200\n\n## Pump\n\n{prose(8)}\n\n## Valves\n\n{prose(8, 'valve')}"
        chunks = chunker(chunk_tokens=100, merge_below_tokens=20).split(manual(text))
        assert [c.section for c in chunks] == ["Press HP-200 > Pump", "Press HP-200 > Valves"]

    def test_ids_are_deterministic_and_unique(self):
        doc = manual("# Press HP-200\n\n" + prose(40))
        first, again = chunker().split(doc), chunker().split(doc)
        assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
        assert len({c.chunk_id for c in first}) == len(first)
        shifted = chunker().split(doc, ordinal_start=5)
        assert shifted[0].chunk_id != first[0].chunk_id

    def test_invalid_settings_are_refused(self):
        with pytest.raises(ValueError, match="overlap_tokens"):
            Chunker(100, 60, counter=COUNTER)
        with pytest.raises(ValueError, match="chunk_tokens"):
            Chunker(8, 0, counter=COUNTER)


class TestWithLoadersAndRealTokenizer:
    def test_markdown_fixture_chunks(self):
        doc = load_manual(FIXTURES / "press_manual.md").documents[0]
        chunks = Chunker(120, 15).split(doc)
        tokens = MiniLMTokenCounter()
        assert all(tokens.count(c.text) <= 120 for c in chunks)
        seal = [c for c in chunks if "Remove the four bolts." in c.text]
        assert len(seal) == 1 and seal[0].section == "Hydraulic press HP-200 > Replacing the pump seal"
        assert "1. Lock out the press." in seal[0].text and "4. Fit the new seal." in seal[0].text

    def test_minilm_counter_counts_every_piece(self):
        counter = MiniLMTokenCounter()
        assert counter.count("Replace pump P/N 4471-22") > 4  # part numbers split into many pieces
        assert counter.count("valve " * 1000) == 1000  # no silent truncation at 512


@pytest.mark.external
class TestRealManual:
    def test_thermostat_spec_keeps_its_section(self, mr2):
        doc = load_manual(mr2 / "docs" / "cooling-system" / "thermostat.md").documents[0]
        chunks = Chunker(240, 30).split(doc)
        [spec] = [c for c in chunks if "Valve opening temperature" in c.text]
        assert spec.section == "Thermostat > Inspection of thermostat > Inspect thermostat"
        assert spec.text.startswith("Thermostat > Inspection of thermostat > Inspect thermostat\n")
        assert "80 – 84°C" in spec.text
        for noise in ("<figure", "![](", "{ #p-", "!!!"):
            assert noise not in spec.text

    def test_troubleshooting_rows_stay_whole_with_problem(self, mr2):
        doc = load_manual(mr2 / "docs" / "lubrication-system" / "troubleshooting.md").documents[0]
        chunks = Chunker(120, 15).split(doc)
        assert len(chunks) > 1
        rows = [line for c in chunks for line in c.text.split("\n")[1:] if "Possible cause:" in line]
        assert len(rows) == 11 and all(r.startswith("Problem: ") for r in rows)
        assert sum("Problem: Low oil pressure" in r for r in rows) == 7
