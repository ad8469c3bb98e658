"""Scope: which machine a question is about, what a follow-up stands for, and retrieval scoped
to that machine (with doc-type diversity).

Asset scoping: when a question concerns one asset, chunks tagged with *another* asset are
dropped, while untagged chunks (generic manuals, catalogues) stay eligible. The asset-filtered
ranking and the unfiltered one are merged by the index's fusion (``index.fusion.Fusion``) so
asset-specific evidence leads without hiding general documents.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from assistant.answer.grounding.evidence import code_family, codes, copied_literals, squash_code, written_codes
from assistant.answer.protocols import Assets, Search
from assistant.textutil import content_terms, normalise_space, strip_mentions
from assistant.types import ChatMessage
from index.fusion import Fusion, FusingRetriever, FusionMode
from index.types import Filters, ScoredChunk
from ingest.text.words import word_set
from ingest.types import Chunk

def points_back(question: str) -> bool:
    """Does the question hold a word that points back ("it", "those": a word list, as data)?"""
    return any(w in word_set("followup_refs") for w in re.findall(r"\w+", question.lower()))


def leans_on_earlier(question: str, earlier: Sequence[str]) -> bool:
    """A short question, or one with a word that points back; a short one naming a subject of its own that the
    ``earlier`` questions do not (``names_own_subject``) stands alone."""
    if points_back(question):
        return True
    return len(question.split()) <= 6 and not names_own_subject(question, earlier)


def names_own_subject(question: str, earlier: Sequence[str]) -> bool:
    """Does the question name an identifier no earlier question names, and ask something of it?

    "what does alarm A-40 mean?" after "how do i bleed press 4" is a question of its own; "and E-205?" after "what
    does E-204 mean" names a code too but asks nothing more, so it leans on the question before. Identifiers are read
    by their shape (letters and digits, or words joined by underscores), in any language.

    >>> names_own_subject("what does alarm A-40 mean?", ["how do i bleed press 4"])
    True
    >>> names_own_subject("and E-205?", ["what does E-204 mean"]), names_own_subject("and A-40?", ["A-40 means?"])
    (False, False)

    An earlier question asked again of another identifier, word for word, is a question of its own too, though its
    other words may all be function words: "what does E-207 mean" after "what does E-204 mean".

    >>> names_own_subject("What does E-207 mean?", ["what does E-204 mean"])
    True
    """
    def identifiers(text: str) -> list[str]:
        return [*codes(text), *copied_literals(text)]

    def frame(text: str, found: list[str]) -> list[str]:  # the words around the identifiers
        return re.findall(r"\w+", strip_mentions(text, found).lower())

    found = identifiers(question)
    own = {squash_code(c) for c in found} - {squash_code(c) for text in earlier for c in identifiers(text)}
    if not own:
        return False
    asked = frame(question, found)
    return bool(content_terms(strip_mentions(question, found))) or any(
        asked == frame(text, identifiers(text)) for text in earlier if identifiers(text))


def condense(question: str, conversation: Sequence[ChatMessage], max_turns: int) -> str:
    """A standalone retrieval query for a follow-up question.

    A 0.5B model rewrites questions unreliably, so this is deliberately mechanical: a
    follow-up that leans on earlier turns is prefixed with the previous user question, and that
    one, when it leans on earlier turns too ("ok", "and the torque?"), with the one before it, back
    to the question that named the subject (at most ``max_turns``; benchmarks/README.md, "A chain of
    follow-ups").

    >>> turns = [ChatMessage("user", q) for q in ("pump P-7 won't prime, why", "ok", "and after that?")]
    >>> condense("and how long?", turns, 4)
    "pump P-7 won't prime, why ok and after that? and how long?"
    >>> condense("and how long?", turns, 2)
    'ok and after that? and how long?'
    """
    previous = [m.content for m in conversation if m.role == "user"][-max_turns:]
    chain = [question]
    while previous and leans_on_earlier(chain[0], previous):
        chain.insert(0, asked_of(previous.pop(), chain[0]))
    return " ".join(chain)


def asked_of(earlier: str, follow_up: str) -> str:
    """``earlier`` asked of the one code ``follow_up`` names instead of its own one: "and A-40?" after "what does
    E-207 mean" asks what A-40 means, and a later "how do i fix it" is about A-40, not E-207. Otherwise ``earlier``.

    >>> asked_of("what does E-207 mean", "and A-40?"), asked_of("how do i bleed press 4", "and A-40?")
    ('what does A-40 mean', 'how do i bleed press 4')
    """
    old, new = codes(earlier), codes(follow_up)
    if len(old) != 1 or len(new) != 1 or squash_code(old[0]) == squash_code(new[0]):
        return earlier
    return re.sub(rf"(?<![\w-]){re.escape(old[0])}(?![\w-])", new[0], earlier)


class QuestionScope:
    """The assets a question is about and the standalone query a follow-up stands for."""

    def __init__(self, registry: Assets | None, *, conversation_turns: int) -> None:
        self.registry = registry
        self.conversation_turns = conversation_turns

    def condense(self, question: str, conversation: Sequence[ChatMessage]) -> str:
        return condense(question, conversation, self.conversation_turns)

    def assets(self, question: str, asset: str | None, conversation: Sequence[ChatMessage] = ()) -> list[str]:
        """The selected asset, else those the question names, else those the last question naming
        one did ("and its filter?" after "how do I bleed press 4")."""
        if asset:
            return [asset]
        if self.registry is None:
            return []
        found = list(self.registry.resolve(question))
        if not found:
            for msg in reversed([m for m in conversation if m.role == "user"]):
                found = list(self.registry.resolve(msg.content))
                if found:
                    break
        return found


class ScopedRetriever:
    """Wrap a hybrid retriever with asset scoping and doc-type diversity."""

    def __init__(self, retriever: Search, *, candidates: int, rrf_k: int, registry: Assets | None) -> None:
        self.retriever = retriever
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.registry = registry

    def retrieval_query(self, query: str, assets: Sequence[str]) -> str:
        """The query ranked: once scoped to an asset, without the asset's name, which would only
        rank every record of that asset above the passage that answers."""
        if assets and self.registry is not None:
            stripped = normalise_space(strip_mentions(query, [p for a in assets for p in self.registry.phrases(a)]))
            if content_terms(stripped):
                return stripped
        return query

    def retrieve(self, query: str, k: int, assets: Sequence[str] = (), alone: str | None = None) -> list[ScoredChunk]:
        """The top ``k`` for ``query``. ``alone``: the question as asked, when ``query`` condensed it with the
        one before; both are ranked and merged by the index's fusion (``Fusion.merge_queries``), so the earlier
        subject can add sources but not take the question's own (benchmarks/README.md, "A follow-up and the
        question before it", "Two queries, one ranking")."""
        if alone is None or alone == query:
            return self._ranked(query, k, assets)
        pool = max(self.candidates, k)
        merged = self.fusion.merge_queries(self._ranked(alone, pool, assets), self._ranked(query, pool, assets))
        # the evidence gate measures the unset cosines anew, with the query it reads
        return _diverse(merged, k)

    def _ranked(self, query: str, k: int, assets: Sequence[str]) -> list[ScoredChunk]:
        pool = max(self.candidates, k)
        query = self.retrieval_query(query, assets)
        general = self.retriever.retrieve(query, pool)
        if not assets:
            ranked = named_code_first(query, prefer_definitions(query, general), k)
            return _diverse(named_heading_first(query, ranked, k), k)
        wanted = {a.lower() for a in assets}
        kept = [s for s in general if s.chunk.asset is None or s.chunk.asset.lower() in wanted]
        scoped = [s for a in assets for s in self.retriever.retrieve(query, pool, Filters(asset=a))]
        merged = self.fusion.merge_scoped(kept, scoped, general)
        ranked = named_code_first(query, prefer_definitions(query, merged), k)
        return _diverse(named_heading_first(query, ranked, k), k)

    @property
    def fusion(self) -> Fusion:
        """The index's own fusion (mode and constants), so scoped and general hits merge on its scale.

        A retriever without one (a test fake) merges by RRF with the chain's ``rrf_k``."""
        own = self.retriever.fusion if isinstance(self.retriever, FusingRetriever) else None
        return own if own is not None else Fusion(FusionMode.RRF, rrf_k=self.rrf_k)


_DEFINE_RE = re.compile(r"\b(mean|means|meaning|stands? for|indicates?|signif\w*)\b|\bwhat is (the )?(alarm|fault|error|code)\b",
                        re.I)


def prefer_definitions(query: str, ranked: list[ScoredChunk]) -> list[ScoredChunk]:
    """For "what does S-14 mean", manual passages naming the code lead.

    Work orders quoting the code ("tripped S-14 again") outrank the alarm table on both
    similarity and keywords, yet only the manual says what the code means and what to do.
    """
    ids = [c.lower() for c in codes(query)]
    if not ids or not _DEFINE_RE.search(query):
        return ranked

    def defines(s: ScoredChunk) -> bool:
        return s.chunk.doc_type == "manual" and any(c in s.chunk.text.lower() for c in ids)

    return [s for s in ranked if defines(s)] + [s for s in ranked if not defines(s)]


def named_code_first(query: str, ranked: list[ScoredChunk], k: int) -> list[ScoredChunk]:
    """When the top ``k`` write identifiers of the family the question names but not its own ("encoder error 0x2"
    over rows of 0x1 and 0x4), the best-ranked passage that writes every one of them leads: the evidence gate
    would decline a near miss, and a passage about calibration in general outranked the error table's 0x2 row on
    meaning. An identifier whose family the top ``k`` lack (a version "v5") changes nothing."""
    wanted = {squash_code(c) for c in codes(query)}
    top = set().union(*(written_codes(s.chunk.text) for s in _diverse(ranked, k))) if ranked else set()
    if not wanted or wanted <= top or not {code_family(c) for c in wanted - top} & {code_family(c) for c in top}:
        return ranked
    holder = next((s for s in ranked if wanted <= written_codes(s.chunk.text)), None)
    return ranked if holder is None else [holder] + [s for s in ranked if s is not holder]


_NUMBERED = re.compile(r"([^\W\d_]+)[\s#-]*(\d+)(?![\w.])")


def named_heading_first(query: str, ranked: list[ScoredChunk], k: int) -> list[ScoredChunk]:
    """ "code 8" (or "Fehler 30") where the top ``k`` hold sections headed by the same word with other numbers
    ("Code 1", "Code 31"), not "Code 8": that section leads. A lone digit barely moves keywords or meaning."""
    def numbered(s: ScoredChunk) -> tuple[str, str] | None:
        last = re.findall(r"[^\W_]+", (s.chunk.section or "").rsplit(">", 1)[-1].lower())
        return (last[0], last[1]) if len(last) > 1 and last[1].isdigit() else None

    named = {(w.lower(), n) for w, n in _NUMBERED.findall(query)}
    top = {numbered(s) for s in _diverse(ranked, k)}
    wanted = {h for h in named if h not in top and any(t and t[0] == h[0] for t in top)}
    holder = next((s for s in ranked if numbered(s) in wanted), None)
    return ranked if holder is None else [holder] + [s for s in ranked if s is not holder]


def _diverse(ranked: list[ScoredChunk], k: int, per_source: int = 4) -> list[ScoredChunk]:
    """Top k, at most ``per_source`` chunks from one file unless nothing else is left.

    One long work-order file or manual otherwise fills every slot; a mix of manual,
    work-order and sensor evidence is what a technician needs.
    """
    chosen: list[ScoredChunk] = []
    counts: dict[str, int] = {}
    spill: list[ScoredChunk] = []
    for item in ranked:
        src = item.chunk.source
        if counts.get(src, 0) < per_source:
            chosen.append(item)
            counts[src] = counts.get(src, 0) + 1
        else:
            spill.append(item)
        if len(chosen) == k:
            return chosen
    return (chosen + spill)[:k]


class SectionIndex:
    """All chunks of a manual section in document order, from the live index's chunk list,
    so a procedure split over several chunks can be quoted whole."""

    def __init__(self, chunks_fn: Callable[[], list[Chunk]], *, max_chunks: int) -> None:
        self._chunks_fn = chunks_fn
        self._max = max_chunks
        self._key: tuple | None = None
        self._by_section: dict[tuple[str, str], list[Chunk]] = {}

    def siblings(self, chunk: Chunk) -> list[Chunk]:
        chunks = self._chunks_fn()
        key = (len(chunks), chunks[0].chunk_id, chunks[-1].chunk_id) if chunks else None
        if key != self._key:  # a re-ingest swapped the index: rebuild
            self._by_section = {}
            for c in chunks:
                if c.doc_type == "manual" and c.section:
                    self._by_section.setdefault((c.source, c.section), []).append(c)
            self._key = key
        group = self._by_section.get((chunk.source, chunk.section or ""), [chunk])
        if len(group) <= self._max:
            return group
        ids = [c.chunk_id for c in group]
        at = ids.index(chunk.chunk_id) if chunk.chunk_id in ids else 0
        return group[max(0, at - 1):max(0, at - 1) + self._max]


def ambiguous_assets(question: str, registry: Assets | None, hits: Sequence[ScoredChunk]) -> list[str]:
    """Assets "the chiller" may mean, when the best sources belong to several of them.

    Only a definite reference ("the / my / this chiller") with no asset selected or named
    counts, and only when the top three sources are all records of two or more of those
    assets: a generic manual answer needs no asset, and a guessed one would mislead.
    """
    if registry is None or not hits:
        return []
    words = re.findall(r"\b(?:the|my|this|our|that)\s+([a-z][a-z-]+)", question.lower())
    for word in words:
        named = [a.id for a in registry.all() if word in re.findall(r"[a-z]+", (a.name or "").lower())]
        if len(named) < 2:
            continue
        top = [h.chunk.asset for h in hits[:3]]
        if all(a in named for a in top) and len(set(top)) >= 2:
            return named
    return []
