"""Repair procedures assembled from retrieved manual content and the work-order history.

A small LLM is unreliable at free-form JSON, so the structure is *assembled*: safety lines,
numbered steps, tools and parts are copied verbatim from retrieved manual chunks (each with
its citation); likely causes and typical duration come from similar past work orders. The
optional generator only writes the short title. Missing safety content gives a warning,
never invented steps.

    builder = ProcedureBuilder(retriever, work_orders, registry=registry)
    procedure = builder.build("PRESS-04", "pump whines, pressure low")
    print(procedure.to_markdown())
"""

from __future__ import annotations

import math
import re
import statistics
from typing import Any, Protocol, Sequence

from assistant.history.fields import hours
from assistant.textutil import strip_mentions
from assistant.history.text import ALTERNATIVES, significant_words, topic_groups
from assistant.procedures.model import Cause, Item, Procedure, ProcedureSource, Step
from assistant.procedures.sections import heading_title, owner, safety_items, section_text, split_verification
from assistant.procedures.sources import SourceBook, unsupported_numbers, work_order_source_text
from assistant.procedures.text import (
    LOTO_RE, PN_RE, SAFETY_HEADING_RE, VERIFY_RE, cause_key, cluster_causes, collapse, items, numbered_runs,
    numbers_in, overlap, safety_lines, section_refs, similar_keys, table_causes, tool_lines,
)
from assistant.types import ChatMessage
from index.types import Filters, ScoredChunk
from ingest.types import Chunk

RESTORE = "restore"  # heading of safety items that belong at the end of the job

__all__ = ["Cause", "Item", "Procedure", "ProcedureBuilder", "ProcedureSource", "Step", "unsupported_numbers",
           "work_order_source_text"]


class Sections(Protocol):
    """All chunks of a chunk's manual section, in document order (``assistant.answer.scope.SectionIndex``)."""

    def siblings(self, chunk: Chunk) -> list[Chunk]: ...


class ProcedureBuilder:
    """Builds a validated ``Procedure`` for (asset, symptom). Numbers are never rewritten."""

    def __init__(self, retriever, history_store=None, generator=None, registry=None, *,
                 sections: Sections | None = None, k: int = 8, max_safety_chunks: int = 4, max_causes: int = 5, history_window: int = 10,
                 max_tools: int = 8):
        if k < 1 or history_window < 1 or max_safety_chunks < 1:
            raise ValueError("k, history_window and max_safety_chunks must be at least 1")
        self._retriever = retriever
        self._history = history_store
        self._generator = generator
        self._registry = registry
        self._sections = sections  # without it a section split over chunks is read chunk by chunk
        self._k, self._max_safety_chunks, self._max_causes = k, max_safety_chunks, max_causes
        self._window, self._max_tools = history_window, max_tools

    def build(self, asset: str | None, symptom: str) -> Procedure:
        symptom = collapse(symptom)
        if not symptom:
            raise ValueError("symptom must not be empty")
        label = ((self._registry.name(asset) if self._registry and asset else None) or asset) or "the asset"
        groups, _ = topic_groups(significant_words(strip_mentions(symptom.lower(), [asset or "", label])))
        book = SourceBook()
        # Manuals whose chunks carry no asset tag are searched without the asset filter.
        fallback = asset is not None and not self._retriever.retrieve(
            f"{label} {symptom}", 1, Filters(asset=asset, doc_types=("manual",)))
        warnings: list[str] = []

        safety = self._safety(asset, label, symptom, fallback, book)
        restore = [s for s in safety if s.heading == RESTORE]
        safety = [s for s in safety if s.heading != RESTORE]
        if not safety:
            warnings.append(f"No lock-out/safety procedure found in your documents for {label} — "
                            "follow your site LOTO procedure before any work.")
        rows = self._trouble_rows(asset, label, symptom, groups, fallback)
        # the cited row is one tap away; the evidence line says what to do, not the raw "a | b | c" row
        manual_causes = [Cause(text=cause, citations=[book.chunk(c)],
                               evidence="manual troubleshooting table" + (f"; remedy: {remedy}" if remedy else ""))
                         for _, cause, remedy, _, c in rows]
        history_causes, duration, basis = self._history_causes(asset, label, groups, book)
        # The three best history causes, then the manual's, so neither source crowds out the other.
        causes = (_merge_causes(history_causes[:3], manual_causes) + history_causes[3:])[: self._max_causes]

        proc_chunks, steps = self._procedure(asset, label, symptom, groups, rows, fallback, book)
        if not steps:
            warnings.append(f"No documented repair procedure for '{symptom}' was found for {label}; "
                            "no steps are given rather than invented ones.")
        steps, verification = split_verification(steps) if steps else ([], [])
        if not verification and proc_chunks:  # a check written after the numbered steps
            lines = items(section_text(proc_chunks))
            last = next((i for i in range(len(lines) - 1, -1, -1) if steps and lines[i] == steps[-1].text), len(lines))
            extra = [i for i in lines[last + 1:] if VERIFY_RE.search(i)]
            verification = [Step(n=i, text=t, citations=[book.chunk(owner(t, proc_chunks))], numbered=False)
                            for i, t in enumerate(extra[:3], 1)]
        tools = self._tools(proc_chunks, rows, book)

        procedure = Procedure(
            title=f"{symptom[:1].upper()}{symptom[1:]} — {label}", asset=asset,
            asset_name=label if asset and label != asset else None, symptom=symptom,
            likely_causes=causes, safety=safety, tools_parts=tools, steps=steps, verification=verification,
            restore=restore,
            typical_duration_h=duration, duration_basis=basis, warnings=warnings, sources=book.named(),
        )
        procedure.title = self._title(procedure, label, symptom, book.texts)
        return self._mark_unsupported(procedure, book.texts)

    # --- retrieval ------------------------------------------------------------------
    def _manual(self, query: str, asset: str | None, fallback: bool, doc_types=("manual",)) -> list[Chunk]:
        if asset and not fallback:
            hits = self._retriever.retrieve(query, self._k, Filters(asset=asset, doc_types=doc_types))
            return [h.chunk for h in hits]
        hits: list[ScoredChunk] = self._retriever.retrieve(query, self._k, Filters(doc_types=doc_types))
        # Untagged manuals may be site-wide; a chunk tagged with another asset is another machine's.
        return [h.chunk for h in hits if not asset or not h.chunk.asset or h.chunk.asset.lower() == asset.lower()]

    def _section(self, chunk: Chunk) -> list[Chunk]:
        """The chunk's whole section (all its chunks, in order) when the index can tell, else the chunk."""
        if self._sections is None or not chunk.section:
            return [chunk]
        group = self._sections.siblings(chunk)
        return group if any(c.chunk_id == chunk.chunk_id for c in group) else [chunk]

    def _sections_of(self, chunks: list[Chunk]) -> list[list[Chunk]]:
        """Whole sections of ``chunks``, each once, in the order first met."""
        out: dict[tuple[str, str], list[Chunk]] = {}
        for c in chunks:
            key = (c.source, c.section or c.chunk_id)
            if key not in out:
                out[key] = self._section(c)
        return list(out.values())

    def _safety(self, asset, label, symptom, fallback, book: SourceBook) -> list[Step]:
        """All content under the manual's safety headings, whole sections (lock-out steps first, never
        cut short), grouped into ticks; only when there is none, the safety sentences of other chunks.
        Restore items ("To restore: ...") come back under the heading ``RESTORE``."""
        found: list[Chunk] = []
        for query in (f"lock-out tag-out isolation safety {label}", f"safety precautions PPE hazards {label} {symptom}"):
            found += [c for c in self._manual(query, asset, fallback) if c not in found]
        headed = [g for g in self._sections_of([c for c in found if SAFETY_HEADING_RE.search(
            f"{c.section or ''} {c.title or ''}")]) if safety_lines(section_text(g), g[0].section or "")]

        def rank(group: list[Chunk]) -> int:
            text = section_text(group)
            loto = bool(LOTO_RE.search(text))
            return 0 if loto and numbered_runs(text) else (1 if loto else 2)

        out: list[Step] = []
        seen: set[str] = set()

        def add(text: str, chunks: list[Chunk], **fields: Any) -> None:
            if text.lower() not in seen:
                seen.add(text.lower())
                n = fields.pop("number", None) or len(out) + 1
                out.append(Step(n=n, text=text, citations=[book.chunk(owner(text, chunks))], **fields))

        for group in sorted(headed, key=rank)[: self._max_safety_chunks]:
            section = group[0].section or ""
            for item in safety_items(section_text(group), section):
                add(item.text, group, number=item.number, details=item.details, numbered=item.number is not None,
                    heading=RESTORE if item.restore else heading_title(section))
        if not headed:
            for c in found:
                for line in safety_lines(c.text):
                    add(line, [c], numbered=False)
        return out

    def _trouble_rows(self, asset, label, symptom, groups, fallback):
        """(score, cause, remedy, row, chunk) for troubleshooting rows matching the symptom, best first."""
        need = max(1, math.ceil(len(groups) / 2))
        rows = []
        for chunk in self._manual(f"troubleshooting {symptom} {label}", asset, fallback, ("manual", "record")):
            for score, cause, remedy, row in table_causes(chunk.text, groups, min_overlap=need):
                if all(r[1].lower() != cause.lower() for r in rows):
                    rows.append((score, cause, remedy, row, chunk))
        return sorted(rows, key=lambda r: -r[0])

    def _history_causes(self, asset, label, groups, book: SourceBook):
        if self._history is None or not groups:
            return [], None, []
        scored = self._history.similar(assets=[asset] if asset else None, asset_names=[label] if asset else [],
                                       stems=groups, min_matches=max(1, math.ceil(len(groups) / 2)))
        recent = [r for _, r in scored][: self._window]
        if not recent:
            return [], None, []
        named = [(c, r) for r in recent
                 if (c := next((v for v in (r.cause, r.failure_mode, r.failure_description) if v and v.strip()), None))]
        causes = []
        for text, members in cluster_causes(named, ALTERNATIVES):
            cites = [book.work_order(r) for r in members[:3]]
            evidence = f"{len(members)} of the last {len(recent)} similar work orders"
            causes.append(Cause(text=collapse(text), evidence=evidence, citations=cites))
        timed = [r for r in recent if hours(r) is not None]
        duration = statistics.median(hours(r) for r in timed) if timed else None
        basis = [book.work_order(r) for r in timed]
        return causes, duration, basis

    def _procedure(self, asset, label, symptom, groups, rows, fallback, book):
        """The numbered procedure that best fits the symptom and the top remedies, read over its
        whole section (a procedure split over chunks keeps every step); a remedy's cross-reference
        ('procedure 5.1') to a section wins outright."""
        remedies = [r[2] or r[1] for r in rows[:2]]
        refs = {ref for text in remedies for ref in section_refs(text)}
        remedy_stems = topic_groups(significant_words(" ".join(remedies)))[0]
        want = groups + [g for g in remedy_stems if g not in groups]
        best, best_key = None, None
        queries = [f"{symptom} repair procedure {label}"] + [f"{r} procedure {label}" for r in remedies]
        queries += [f"{ref} {r}" for r in remedies for ref in section_refs(r)]
        texts: dict[str, tuple[list[Chunk], str]] = {}
        for qi, query in enumerate(queries):
            for rank, chunk in enumerate(self._manual(query, asset, fallback)):
                section = chunk.section or ""
                if chunk.chunk_id not in texts:
                    group = self._section(chunk)
                    texts.update({c.chunk_id: (group, section_text(group)) for c in group + [chunk]})
                group, text = texts[chunk.chunk_id]
                runs = numbered_runs(text)
                if not runs or SAFETY_HEADING_RE.search(section.rsplit(">", 1)[-1]):
                    continue
                score = overlap(text, want) + 2 * overlap(section, remedy_stems)
                if score == 0:
                    continue  # a numbered list about something else is not this procedure
                if any(re.search(rf"(?:^|>)\s*{re.escape(ref)}\s", section) for ref in refs):
                    score += 100
                key = (score, -qi, -rank)
                if best_key is None or key > best_key:
                    best, best_key = (group, max(runs, key=len)), key
        if best is None:
            return None, []
        group, run = best
        return group, [Step(n=num, text=text, citations=[book.chunk(owner(text, group))]) for num, text in run]

    def _tools(self, proc_chunks: list[Chunk] | None, rows, book: SourceBook) -> list[Item]:
        """Tool and part lines of the chosen procedure (not its steps: "Unscrew the strainer with the
        strainer spanner" is a step), then part numbers of the matched remedies."""
        found: list[tuple[str, str | None, Chunk]] = []
        if proc_chunks:
            found += [(line, pn, owner(line, proc_chunks)) for line, pn in tool_lines(section_text(proc_chunks))]
        for _, _, remedy, _, chunk in rows[:3]:
            pn = PN_RE.search(remedy or "")
            if pn:
                found.append((remedy, pn.group(1), chunk))
        out: list[Item] = []
        for line, pn, chunk in found:
            # A part number already listed (on the 'Parts:' line) is not repeated from a step.
            if pn and any(pn == i.part_number or pn in i.text for i in out):
                continue
            if len(out) < self._max_tools and all(i.text != line for i in out):
                out.append(Item(text=line, part_number=pn, citations=[book.chunk(chunk)]))
        return out

    # --- checks ---------------------------------------------------------------------
    def _title(self, procedure: Procedure, label: str, symptom: str, texts: dict[int, str]) -> str:
        if self._generator is None:
            return procedure.title
        cause = procedure.likely_causes[0].text if procedure.likely_causes else "unknown"
        messages = [ChatMessage("system", "Write a short title (at most 8 words) for a repair checklist. "
                                          "Reply with the title only."),
                    ChatMessage("user", f"Asset: {label}\nSymptom: {symptom}\nLikely cause: {cause}")]
        raw = "".join(self._generator.stream(messages, max_tokens=24)).strip().splitlines()
        title = collapse(raw[0]).strip(" \"'#*") if raw else ""
        allowed = numbers_in(f"{label} {symptom}").union(*(numbers_in(t) for t in texts.values()))
        if not title or len(title) > 80 or numbers_in(title) - allowed:
            return procedure.title  # the model's title is unusable; keep the assembled one
        return title

    @staticmethod
    def _mark_unsupported(procedure: Procedure, texts: dict[int, str]) -> Procedure:
        problems = unsupported_numbers(procedure, texts)
        flagged = {p.split(":")[0] for p in problems}
        for part in ("safety", "steps", "restore", "verification"):
            for i, step in enumerate(getattr(procedure, part)):
                if f"{part}[{i}]" in flagged:
                    step.unsupported = True
        # Causes and tool lines are plain copies; should one ever fail the check it is dropped, not shown.
        procedure.likely_causes = [c for i, c in enumerate(procedure.likely_causes) if f"likely_causes[{i}]" not in flagged]
        procedure.tools_parts = [t for i, t in enumerate(procedure.tools_parts) if f"tools_parts[{i}]" not in flagged]
        return procedure


def _merge_causes(history: list[Cause], manual: list[Cause]) -> list[Cause]:
    """History-ranked causes first; a manual table row naming the same cause adds its citation."""
    out = [c.model_copy(deep=True) for c in history]
    for cause in manual:
        key = cause_key(cause.text, ALTERNATIVES)
        # Stricter than clustering work orders: a manual row must name the same fault, not a neighbour.
        same = next((c for c in out if similar_keys(cause_key(c.text, ALTERNATIVES), key, share=0.75)), None)
        if same is None:
            out.append(cause)
        else:
            same.evidence += "; also listed in the manual's troubleshooting table"
            same.citations += [n for n in cause.citations if n not in same.citations]
    return out
