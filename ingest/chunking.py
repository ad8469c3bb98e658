"""Structure-aware chunking of SourceDocuments into Chunks.

Reads the normalised text written by the manual loaders (``ingest.normalize``): ``#``-heading
lines give the section path, numbered steps form one *procedure* unit, ``Name: value | ...``
lines are self-contained table rows, everything else is prose split at blank lines.

Packing rules, in order of priority:

1. A unit that fits in a chunk is never split: a procedure (steps and their indented sub-steps)
   or a table row moves whole to the next chunk instead.
2. Units too big for one chunk split at their natural joints: procedures between top-level
   steps, lists between items, prose between sentences (with ``overlap_tokens`` repeated).
3. Small sections are merged with the following sections that share a parent heading, so a
   heading with two lines does not become a near-empty chunk; the chunk's ``section`` is then
   the common parent path and each merged section keeps its heading as a line in the text.

Every chunk starts with a short context line ``<title> > <section path>`` (contextual chunk
header) and carries all metadata of its document.

Sizes are in tokens of the embedder's tokenizer; BERT word pieces never span whitespace, so
the count of joined pieces is the sum of their counts and packing can add numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.blocks import BULLET, LETTER, SEP, STEP, Section, Unit, common_prefix, indent_of, parse_sections
from ingest.tokens import MiniLMTokenCounter, TokenCounter
from ingest.types import Chunk, SourceDocument, make_chunk_id

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def restamp(chunks: list[Chunk], doc: SourceDocument) -> None:
    """Copy onto ``chunks`` the document fields decided after chunking: the ingest pipeline tags
    assets once every file is read, but chunks a file as soon as it is parsed. Chunk texts use
    only the title, section path and body, never these fields."""
    for chunk in chunks:
        chunk.asset = doc.asset
        chunk.metadata = dict(doc.metadata)


class Chunker:
    """Splits one SourceDocument into Chunks of at most ``chunk_tokens`` tokens.

    >>> chunker = Chunker(chunk_tokens=240, overlap_tokens=30)
    >>> chunks = chunker.split(doc, ordinal_start=0)  # doctest: +SKIP

    ``counter`` defaults to the MiniLM tokenizer (loaded lazily); tests pass
    ``FakeWordPieceCounter``. Sections smaller than ``merge_below_tokens`` (default a quarter
    of ``chunk_tokens``) are merged with neighbours under the same parent heading.
    """

    def __init__(
        self,
        chunk_tokens: int,
        overlap_tokens: int,
        counter: TokenCounter | None = None,
        merge_below_tokens: int | None = None,
    ) -> None:
        if chunk_tokens < 32:
            raise ValueError(f"chunk_tokens must be at least 32, got {chunk_tokens}")
        if not 0 <= overlap_tokens < chunk_tokens // 2:
            raise ValueError(f"overlap_tokens must be in [0, chunk_tokens/2), got {overlap_tokens}")
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.counter = counter or MiniLMTokenCounter()
        # the same unit is measured while grouping, packing and splitting: count each text once
        self._count = lru_cache(maxsize=8192)(self.counter.count)
        self.merge_below_tokens = chunk_tokens // 4 if merge_below_tokens is None else merge_below_tokens

    @property
    def settings_key(self) -> str:
        """What decides the chunks besides the text; a file chunked under another key is read again."""
        return f"{self.chunk_tokens}-{self.overlap_tokens}-{self.merge_below_tokens}-{type(self.counter).__name__}"

    # -- public ---------------------------------------------------------------------------
    def split(self, doc: SourceDocument, ordinal_start: int = 0) -> list[Chunk]:
        if doc.doc_type != "manual":
            # records, work orders and sensor summaries stay verbatim when they fit
            header = self._header(doc, ())
            whole = f"{header}\n{doc.text}" if header and not doc.text.startswith(header) else doc.text
            if self._count(whole) <= self.chunk_tokens:
                return [self._chunk(doc, ordinal_start, whole, doc.section)]
        pieces: list[tuple[tuple[str, ...], str]] = []  # (section path, body text)
        for group in self._groups(doc, parse_sections(doc)):
            pieces.extend(self._pack_group(doc, group))
        chunks = []
        for n, (path, body) in enumerate(pieces):
            header = self._header(doc, path)
            text = body if not header or body.startswith(header) else f"{header}\n{body}"
            chunks.append(self._chunk(doc, ordinal_start + n, text, SEP.join(path) if path else doc.section))
        return chunks

    @staticmethod
    def _chunk(doc: SourceDocument, ordinal: int, text: str, section: str | None) -> Chunk:
        return Chunk(
            chunk_id=make_chunk_id(doc.source, ordinal, text),
            text=text,
            source=doc.source,
            doc_type=doc.doc_type,
            title=doc.title,
            page=doc.page,
            section=section,
            record_id=doc.record_id,
            asset=doc.asset,
            date=doc.date,
            metadata=dict(doc.metadata),
        )

    # -- headers and budgets ----------------------------------------------------------------
    def _header(self, doc: SourceDocument, path: tuple[str, ...]) -> str:
        parts = list(path)
        if doc.title and (not parts or parts[0].lower() != doc.title.lower()):
            parts.insert(0, doc.title)
        header = SEP.join(parts)
        # a header eating more than a quarter of the budget defeats its purpose: keep the leaf
        if header and self._count(header) > self.chunk_tokens // 4:
            header = parts[-1][:120]
        return header

    def _budget(self, doc: SourceDocument, path: tuple[str, ...]) -> int:
        return self.chunk_tokens - self._count(self._header(doc, path))

    # -- merging small sections ---------------------------------------------------------------
    def _groups(self, doc: SourceDocument, sections: list[Section]) -> list[list[Section]]:
        groups: list[list[Section]] = []
        sizes: list[int] = []  # body tokens of each group
        for sec in sections:
            size = sum(self._count(u.text) for u in sec.units)
            if groups and self._mergeable(doc, groups[-1], sizes[-1], sec, size):
                groups[-1].append(sec)
                sizes[-1] += size
            else:
                groups.append([sec])
                sizes.append(size)
        return groups

    def _mergeable(self, doc, group: list[Section], group_size: int, sec: Section, size: int) -> bool:
        if group_size >= self.merge_below_tokens and size >= self.merge_below_tokens:
            return False
        paths = [s.path for s in group] + [sec.path]
        common = common_prefix(paths)
        if not common and any(paths):
            return False  # different top-level sections are never mixed
        # each merged section keeps its heading as a line; its full path bounds that cost
        cost = group_size + size + sum(self._count(SEP.join(p)) for p in paths)
        return cost <= self._budget(doc, common)

    # -- packing ------------------------------------------------------------------------------
    def _pack_group(self, doc: SourceDocument, group: list[Section]) -> list[tuple[tuple[str, ...], str]]:
        if len(group) == 1:
            sec = group[0]
            return [(sec.path, body) for body in self._pack(sec.units, self._budget(doc, sec.path))]
        common = common_prefix([s.path for s in group])
        blocks = []
        for sec in group:
            rel = SEP.join(sec.path[len(common) :])
            body = "\n\n".join(u.text for u in sec.units)
            blocks.append(f"{rel}\n{body}" if rel else body)
        return [(common, "\n\n".join(blocks))]

    def _pack(self, units: list[Unit], budget: int) -> list[str]:
        """Greedy packing of atomic pieces; a piece that fits is never split."""
        pieces: list[tuple[str, str, int]] = []  # (kind, text, tokens); kind "joint" continues a unit
        for unit in units:
            tokens = self._count(unit.text)
            if tokens <= budget:
                pieces.append((unit.kind, unit.text, tokens))
                continue
            for n, part in enumerate(self._split_unit(unit, budget)):
                pieces.append((unit.kind if n == 0 else "joint", part, self._count(part)))
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        last_kind = ""
        for kind, text, tokens in pieces:
            sep = "\n" if kind == "joint" or (kind == "row" and last_kind == "row") else "\n\n"
            if current and used + tokens > budget:
                chunks.append("".join(current).strip())
                current, used = [], 0
                if kind == "prose" and last_kind == "prose" and self.overlap_tokens:
                    tail = self._tail(chunks[-1], min(self.overlap_tokens, budget - tokens))
                    if tail:
                        current, used = [tail], self._count(tail)
            current.append((sep if current else "") + text)
            used += tokens
            last_kind = kind
        if current:
            chunks.append("".join(current).strip())
        return [c for c in chunks if c]

    def _split_unit(self, unit: Unit, budget: int) -> list[str]:
        """Parts of an over-size unit: whole steps/items where they fit, else their sub-steps."""
        out: list[str] = []
        for part in unit.parts:
            out.extend(self._split_block(part.split("\n"), budget))
        return out

    def _split_block(self, lines: list[str], budget: int) -> list[str]:
        """Split a step at its shallowest nested sub-steps (recursively); prose lines by sentences."""
        text = "\n".join(lines)
        if self._count(text) <= budget:
            return [text]
        if len(lines) == 1:
            return self._windows(text, budget)
        indents = [indent_of(x) for x in lines[1:] if STEP.match(x.lstrip()) or BULLET.match(x.lstrip()) or LETTER.match(x.lstrip())]
        level = min(indents) if indents else None
        groups: list[list[str]] = [[lines[0]]]
        for line in lines[1:]:
            starts = level is None or (indent_of(line) == level and (STEP.match(line.lstrip()) or BULLET.match(line.lstrip()) or LETTER.match(line.lstrip())))
            if starts:
                groups.append([line])
            else:
                groups[-1].append(line)
        out: list[str] = []
        for group in groups:
            out.extend(self._split_block(group, budget))
        # re-pack neighbours that fit together so sub-steps are not one per chunk
        packed: list[str] = []
        for piece in out:
            if packed and self._count(packed[-1]) + self._count(piece) <= budget:
                packed[-1] += "\n" + piece
            else:
                packed.append(piece)
        return packed

    def _windows(self, text: str, budget: int) -> list[str]:
        """Sentence windows of at most ``budget`` tokens, each repeating ~overlap tokens of the last."""
        sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
        atoms: list[str] = []
        for s in sentences:  # a sentence longer than the budget falls back to word runs
            if self._count(s) <= budget:
                atoms.append(s)
            else:
                atoms.extend(self._word_runs(s, budget))
        windows: list[list[str]] = [[]]
        used = 0
        for atom in atoms:
            tokens = self._count(atom)
            if windows[-1] and used + tokens > budget:
                tail: list[str] = []
                tail_used = 0
                for prev in reversed(windows[-1]):
                    t = self._count(prev)
                    if tail_used + t > min(self.overlap_tokens, budget - tokens):
                        break
                    tail.insert(0, prev)
                    tail_used += t
                windows.append(tail)
                used = tail_used
            windows[-1].append(atom)
            used += tokens
        return [" ".join(w) for w in windows if w]

    def _word_runs(self, text: str, budget: int) -> list[str]:
        runs: list[str] = []
        words: list[str] = []
        used = 0
        for word in text.split():
            t = self._count(word)
            if words and used + t > budget:
                runs.append(" ".join(words))
                words, used = [], 0
            words.append(word)
            used += t
        if words:
            runs.append(" ".join(words))
        return runs

    def _tail(self, text: str, limit: int) -> str:
        """The last sentences of ``text`` within ``limit`` tokens (overlap for prose)."""
        if limit <= 0:
            return ""
        tail: list[str] = []
        used = 0
        for sentence in reversed(_SENTENCE_END.split(text.split("\n\n")[-1])):
            t = self._count(sentence)
            if used + t > limit:
                break
            tail.insert(0, sentence)
            used += t
        return " ".join(tail)
