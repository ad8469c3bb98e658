"""The sources of a repair procedure: every cited manual chunk and work order numbered once, and
the check that every number in the procedure is in a source it cites."""

from __future__ import annotations

from typing import Mapping, Sequence

from assistant.procedures.model import Procedure, ProcedureSource
from assistant.procedures.text import numbers_in
from assistant.textutil import clip_words, named_apart
from ingest.tables.workorders import work_order_text
from ingest.types import Chunk, WorkOrderRecord


def unsupported_numbers(procedure: Procedure, chunks: Mapping[int, str] | Sequence[Chunk | str]) -> list[str]:
    """Numbers in copied content (safety, steps, restore, verification, tools, causes) that no cited
    source contains. ``chunks`` maps citation n -> source text (a sequence is numbered from 1).

    Computed figures (cause counts, the median duration) are derived from the cited work orders,
    and the title repeats the asset and symptom as typed (a generated title is checked in
    ``ProcedureBuilder._title``); neither is checked here.
    Returns 'steps[2]: 45' style entries; empty means every number is backed.
    """
    texts = chunks if isinstance(chunks, Mapping) else {
        i: (c.text if isinstance(c, Chunk) else c) for i, c in enumerate(chunks, 1)}
    known = {n: numbers_in(t) for n, t in texts.items()}
    problems = []

    def check(where: str, text: str, citations: list[int]) -> None:
        allowed = set().union(*(known.get(n, set()) for n in citations))
        problems.extend(f"{where}: {num}" for num in sorted(numbers_in(text) - allowed))

    for part in ("safety", "steps", "restore", "verification"):
        for i, step in enumerate(getattr(procedure, part)):
            check(f"{part}[{i}]", " ".join([step.text, *step.details]), step.citations)
    for i, item in enumerate(procedure.tools_parts):
        check(f"tools_parts[{i}]", item.text, item.citations)
    for i, cause in enumerate(procedure.likely_causes):
        check(f"likely_causes[{i}]", cause.text, cause.citations)
    return problems


def work_order_source_text(r: WorkOrderRecord) -> str:
    """The text of a work order as a procedure source (what its citations vouch for)."""
    return " ".join(str(v) for v in (r.description, r.cause, r.failure_mode, r.failure_description,
                                     r.action, r.parts) if v)


class SourceBook:
    """Numbers each cited manual chunk / work order once, in order of first use."""

    def __init__(self) -> None:
        self.items: list[ProcedureSource] = []
        self.texts: dict[int, str] = {}
        self._index: dict[str, int] = {}

    def chunk(self, c: Chunk) -> int:
        return self._add(f"c:{c.chunk_id}", c.text, dict(
            kind="manual", source=c.source, label=c.citation_label(), excerpt=clip_words(c.text, 600),
            page=c.page, section=c.section, chunk_id=c.chunk_id, title=c.title))

    def work_order(self, r: WorkOrderRecord) -> int:
        text = work_order_source_text(r)
        name = r.source.rsplit("/", 1)[-1]
        return self._add(f"w:{r.source}:{r.record_id}", text, dict(
            kind="work_order", source=r.source, label=f"{name} · {r.record_id}" + (f" ({r.date})" if r.date else ""),
            excerpt=work_order_text(r), record_id=r.record_id))

    def named(self) -> list[ProcedureSource]:
        """The sources, those of files that share a name labelled with the folders that tell them apart."""
        return named_apart(self.items)

    def _add(self, key: str, text: str, fields: dict) -> int:
        if key not in self._index:
            n = len(self.items) + 1
            self._index[key] = n
            self.items.append(ProcedureSource(n=n, **fields))
            self.texts[n] = text
        return self._index[key]
