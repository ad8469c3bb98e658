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
from typing import Mapping, Sequence

from assistant.history import hours
from assistant.textutil import strip_mentions
from assistant.history_text import ALTERNATIVES, significant_words, topic_groups
from assistant.procedure_render import Cause, Item, Procedure, ProcedureSource, Step
from assistant.procedure_text import (
    LOTO_RE, PN_RE, SAFETY_HEADING_RE, VERIFY_RE, cause_key, cluster_causes, collapse, items, numbered_runs,
    numbers_in, overlap, safety_lines, section_refs, similar_keys, table_causes, tool_lines,
)
from assistant.types import ChatMessage
from index.types import Filters, ScoredChunk
from ingest.types import Chunk, WorkOrderRecord

__all__ = ["Cause", "Item", "Procedure", "ProcedureBuilder", "Step", "unsupported_numbers", "work_order_source_text"]


def unsupported_numbers(procedure: Procedure, chunks: Mapping[int, str] | Sequence[Chunk | str]) -> list[str]:
    """Numbers in copied content (safety, steps, verification, tools, causes) that no cited
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

    for part in ("safety", "steps", "verification"):
        for i, step in enumerate(getattr(procedure, part)):
            check(f"{part}[{i}]", step.text, step.citations)
    for i, item in enumerate(procedure.tools_parts):
        check(f"tools_parts[{i}]", item.text, item.citations)
    for i, cause in enumerate(procedure.likely_causes):
        check(f"likely_causes[{i}]", cause.text, cause.citations)
    return problems


def work_order_source_text(r: WorkOrderRecord) -> str:
    """The text of a work order as a procedure source (what its citations vouch for)."""
    return " ".join(str(v) for v in (r.description, r.cause, r.failure_mode, r.failure_description,
                                     r.action, r.parts) if v)


class _Sources:
    """Numbers each cited manual chunk / work order once, in order of first use."""

    def __init__(self) -> None:
        self.items: list[ProcedureSource] = []
        self.texts: dict[int, str] = {}
        self._index: dict[str, int] = {}

    def chunk(self, c: Chunk) -> int:
        return self._add(f"c:{c.chunk_id}", c.text, dict(
            kind="manual", source=c.source, label=c.citation_label(), excerpt=collapse(c.text)[:240],
            page=c.page, section=c.section, chunk_id=c.chunk_id))

    def work_order(self, r: WorkOrderRecord) -> int:
        text = work_order_source_text(r)
        name = r.source.rsplit("/", 1)[-1]
        return self._add(f"w:{r.source}:{r.record_id}", text, dict(
            kind="work_order", source=r.source, label=f"{name} · {r.record_id}" + (f" ({r.date})" if r.date else ""),
            excerpt=collapse(r.description)[:240], record_id=r.record_id))

    def _add(self, key: str, text: str, fields: dict) -> int:
        if key not in self._index:
            n = len(self.items) + 1
            self._index[key] = n
            self.items.append(ProcedureSource(n=n, **fields))
            self.texts[n] = text
        return self._index[key]


class ProcedureBuilder:
    """Builds a validated ``Procedure`` for (asset, symptom). Numbers are never rewritten."""

    def __init__(self, retriever, history_store=None, generator=None, registry=None, *, k: int = 8,
                 max_safety_chunks: int = 4, max_causes: int = 5, history_window: int = 10, max_tools: int = 8):
        if k < 1 or history_window < 1 or max_safety_chunks < 1:
            raise ValueError("k, history_window and max_safety_chunks must be at least 1")
        self._retriever = retriever
        self._history = history_store
        self._generator = generator
        self._registry = registry
        self._k, self._max_safety_chunks, self._max_causes = k, max_safety_chunks, max_causes
        self._window, self._max_tools = history_window, max_tools

    def build(self, asset: str | None, symptom: str) -> Procedure:
        symptom = collapse(symptom)
        if not symptom:
            raise ValueError("symptom must not be empty")
        label = ((self._registry.name(asset) if self._registry and asset else None) or asset) or "the asset"
        groups, _ = topic_groups(significant_words(strip_mentions(symptom.lower(), [asset or "", label])))
        book = _Sources()
        # Manuals whose chunks carry no asset tag are searched without the asset filter.
        fallback = asset is not None and not self._retriever.retrieve(
            f"{label} {symptom}", 1, Filters(asset=asset, doc_types=("manual",)))
        warnings: list[str] = []

        safety = self._safety(asset, label, symptom, fallback, book)
        if not safety:
            warnings.append(f"No lock-out/safety procedure found in your documents for {label} — "
                            "follow your site LOTO procedure before any work.")
        rows = self._trouble_rows(asset, label, symptom, groups, fallback)
        manual_causes = [Cause(text=cause, evidence=f"manual troubleshooting: {row}", citations=[book.chunk(c)])
                         for _, cause, _, row, c in rows]
        history_causes, duration, basis = self._history_causes(asset, label, groups, book)
        # The three best history causes, then the manual's, so neither source crowds out the other.
        causes = (_merge_causes(history_causes[:3], manual_causes) + history_causes[3:])[: self._max_causes]

        proc_chunk, steps = self._procedure(asset, label, symptom, groups, rows, fallback, book)
        if not steps:
            warnings.append(f"No documented repair procedure for '{symptom}' was found for {label}; "
                            "no steps are given rather than invented ones.")
        verification = [Step(n=i, text=s.text, citations=s.citations)
                        for i, s in enumerate((s for s in steps if VERIFY_RE.search(s.text)), 1)]
        if not verification and proc_chunk is not None:
            step_texts = {s.text for s in steps}
            extra = [i for i in items(proc_chunk.text) if VERIFY_RE.search(i) and i not in step_texts]
            verification = [Step(n=i, text=t, citations=[book.chunk(proc_chunk)]) for i, t in enumerate(extra[:3], 1)]
        tools = self._tools(proc_chunk, rows, book)

        procedure = Procedure(
            title=f"{symptom[:1].upper()}{symptom[1:]} — {label}", asset=asset,
            asset_name=label if asset and label != asset else None, symptom=symptom,
            likely_causes=causes, safety=safety, tools_parts=tools, steps=steps, verification=verification,
            typical_duration_h=duration, duration_basis=basis, warnings=warnings, sources=book.items,
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

    def _safety(self, asset, label, symptom, fallback, book: _Sources) -> list[Step]:
        """All content under the manual's safety headings (lock-out steps first, never cut short);
        only when there is none, the safety sentences of other chunks."""
        found: list[Chunk] = []
        for query in (f"lock-out tag-out isolation safety {label}", f"safety precautions PPE hazards {label} {symptom}"):
            found += [c for c in self._manual(query, asset, fallback) if c not in found]
        headed = [c for c in found if SAFETY_HEADING_RE.search(f"{c.section or ''} {c.title or ''}")
                  and safety_lines(c.text, c.section or "")]

        def rank(c: Chunk) -> int:
            loto = bool(LOTO_RE.search(c.text))
            return 0 if loto and numbered_runs(c.text) else (1 if loto else 2)

        chosen = sorted(headed, key=rank)[: self._max_safety_chunks]
        lines: list[tuple[str, Chunk]] = []
        if chosen:
            lines = [(line, c) for c in chosen for line in safety_lines(c.text, c.section or "")]
        else:
            lines = [(line, c) for c in found for line in safety_lines(c.text)]
        out: list[Step] = []
        seen: set[str] = set()
        for line, c in lines:
            if line.lower() not in seen:
                seen.add(line.lower())
                out.append(Step(n=len(out) + 1, text=line, citations=[book.chunk(c)]))
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

    def _history_causes(self, asset, label, groups, book: _Sources):
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
        """The numbered procedure that best fits the symptom and the top remedies; a remedy's
        cross-reference ('procedure 5.1') to a section wins outright."""
        remedies = [r[2] or r[1] for r in rows[:2]]
        refs = {ref for text in remedies for ref in section_refs(text)}
        remedy_stems = topic_groups(significant_words(" ".join(remedies)))[0]
        want = groups + [g for g in remedy_stems if g not in groups]
        best, best_key = None, None
        queries = [f"{symptom} repair procedure {label}"] + [f"{r} procedure {label}" for r in remedies]
        queries += [f"{ref} {r}" for r in remedies for ref in section_refs(r)]
        for qi, query in enumerate(queries):
            for rank, chunk in enumerate(self._manual(query, asset, fallback)):
                section = chunk.section or ""
                runs = numbered_runs(chunk.text)
                if not runs or SAFETY_HEADING_RE.search(section.rsplit(">", 1)[-1]):
                    continue
                score = overlap(chunk.text, want) + 2 * overlap(section, remedy_stems)
                if score == 0:
                    continue  # a numbered list about something else is not this procedure
                if any(re.search(rf"(?:^|>)\s*{re.escape(ref)}\s", section) for ref in refs):
                    score += 100
                key = (score, -qi, -rank)
                if best_key is None or key > best_key:
                    best, best_key = (chunk, max(runs, key=len)), key
        if best is None:
            return None, []
        chunk, run = best
        n = book.chunk(chunk)
        return chunk, [Step(n=num, text=text, citations=[n]) for num, text in run]

    def _tools(self, proc_chunk: Chunk | None, rows, book: _Sources) -> list[Item]:
        """Tool and part lines of the chosen procedure, then part numbers of the matched remedies."""
        found: list[tuple[str, str | None, Chunk]] = []
        if proc_chunk is not None:
            found += [(line, pn, proc_chunk) for line, pn in tool_lines(proc_chunk.text)]
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
        for part in ("safety", "steps", "verification"):
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
