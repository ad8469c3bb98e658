"""Checking and composing the model's reply: citation and number checks, then the best quoted
source lines it does not already say (or a how-to's steps, copied from the manual)."""

from __future__ import annotations

from typing import Callable, Mapping

from assistant.answer.grounding.answer_style import adds_nothing, bulleted, drop_echo, second_person, unnumbered
from assistant.answer.grounding.bound_value import BoundValue, bound_value
from assistant.answer.grounding.citations import (CitationChecker, escape_markers, keep_held_numbers, keep_sources,
                                                  parse_markers)
from assistant.answer.grounding.evidence import EvidenceReport, codes, unit_pattern, value_pattern
from assistant.answer.grounding.extractive import extractive_lines, scored_lines, supporting_lines
from assistant.answer.grounding.following import distinct, with_following
from assistant.answer.grounding.rows import others_row
from assistant.answer.grounding.steps import is_howto, step_lines
from assistant.prompts import says_not_found
from assistant.types import Flag


# what introduces the quoted source lines under the model's reply
QUOTES_HEADING = "From your documents:"


class AnswerComposer:
    """Checked model answer plus quoted source lines.

    The quoted lines carry the exact values a technician needs even when a small model
    paraphrases; a quantity question whose final text states no verified value of the
    asked kind yields no answer (the caller abstains).
    """

    def __init__(self, checker: CitationChecker, *, quote_lines: int, quote_following: int, support_quotes: int,
                 common_terms: Callable[[], frozenset[str]] | None = None,
                 term_shares: Callable[[], Mapping[str, float]] | None = None,
                 second_source_margin: float, document_passages: bool, reply_source_margin: float) -> None:
        self.checker = checker
        # the other retrieved passages of the answer's manual file (and PDF page) may be quoted too
        self.document_passages = document_passages
        # how many more of the question's words (each counting 1) the best line must hold than any line of the
        # reply's own source for its source to join the answer (0: whenever it is another source)
        self.second_source_margin = second_source_margin
        # how far (in the retrieval's score) below the passage ranked first the reply's source may be
        self.reply_source_margin = reply_source_margin
        self.quote_lines = quote_lines
        self.quote_following = quote_following
        # the corpus's commonest words ("de", "la" in a French manual) do not pick the quoted lines
        self.common_terms = common_terms
        # rarer words weigh more in picking the quoted lines (a question's function words weigh little
        # in any language)
        self.term_shares = term_shares
        # the source line a reply sentence rests on is quoted first (the model picked it when reading)
        self.support_quotes = support_quotes

    def compose(self, query: str, raw: str, sources: dict[int, str], report: EvidenceReport,
                sections: dict[int, list[int]] | None, question: str, *,
                documents: Mapping[int, object] | None = None,
                by_meaning: list[tuple[str, int]] | None = None,
                scores: list[float] | None = None,
                read: set[int] | None = None) -> tuple[str, list[Flag], list[int]]:
        """(text, flags, cited source numbers); empty text when no verified value of the asked kind is left.
        ``documents``: each manual passage's file (and page); passages of one document count as one source.
        ``by_meaning``: source lines ranked by meaning, best first, quoted instead of those holding the question's
        words (``ContextSelector.quote_ranking``).
        ``scores``: the retrieval's score of each source, in its order (``reply_source_margin`` reads them).
        ``read``: the sources the answer model read (all when None); the best-matching line comes from these or
        the other passages of their documents."""
        flags: list[Flag] = []
        if says_not_found(raw):
            flags.append(Flag("model_declined", "the model found no answer; quoting the closest passages"))
            raw = ""
        # spoken to the technician; an opening that restates the question is not a cited fact
        checked = self.checker.check(second_person(raw), sources, question or query) if raw else None
        lead = bulleted(drop_echo(checked.text, question or query)) if checked else ""
        if checked:
            flags.extend(checked.flags)
        if lead and not parse_markers(lead):
            # what the checks left of the reply cites nothing: remarks they keep ("Ok.", "Here is what I found:")
            # or a bare "Yes." that no source backs; the quoted lines answer, or nothing does
            flags.append(Flag("uncited_reply", f"the reply's uncited remainder left out: {lead[:80]}"))
            lead = ""
        allowed = {i + 1 for i in report.value_sources} if report.value_kind else None
        # The answer rests on at most two sources: the one the reply cites first and the one holding
        # the best-matching line. Sentences citing only others are left out and the quotes come from
        # these two: on four corpora citation precision rose 0.69 -> 0.80 at fact recall 0.540 -> 0.535.
        ignore = self.common_terms() if self.common_terms else frozenset()
        shares = self.term_shares() if self.term_shares else None
        kw = dict(value_kind=report.value_kind, allowed=allowed, ignore=ignore)
        # a far source whose words match best would outrank the close ones the model read (benchmarks/README.md,
        # "Quotes from the sources the model read")
        near = self._with_documents(read, documents) if read else set(sources)
        best = scored_lines(query, {n: t for n, t in sources.items() if n in near}, shares=shares, **kw)[:1]
        markers = parse_markers(lead)
        first = markers[:1]
        # a small model often cites a passage it copied from that the retrieval ranked far below the first: the
        # answer then rests on a closer one, and the best line's source joins it without the margin below
        switched = False
        if first and self.reply_source_margin and scores:
            ranked = ranked_source(markers, scores, documents or {}, self.reply_source_margin)
            switched, first = ranked != first, ranked
        if first and best and best[0][1] != first[0] and self.second_source_margin > 0 and not switched:
            # the best line's source joins only when its line holds more of the question's words than any line of
            # the reply's own source; every word counts 1 here, so a rare word alone does not outweigh the model's
            # choice (in the ranking above it picks the line; here it would pick a second source for one qualifier)
            if not second_source_needed(scored_lines(query, sources, **kw), best[0][1], first[0],
                                        self.second_source_margin):
                best = []
        anchors = set(first) | {n for _, n, _ in best}
        if lead and "\n" not in lead.strip() and adds_nothing(lead, question or query,
                                                              "\n".join(sources.get(n, "") for n in markers)):
            # a reply that only restates the question is left out; the source it cited still anchors the quotes
            lead = ""
        if anchors:
            lead, dropped = keep_sources(lead, anchors)
            if dropped:
                flags.append(Flag("other_sources_dropped", f"{dropped} sentence(s) citing other sources left out"))
            # the quotes may come from every retrieved passage of the documents the answer rests on (the reply's
            # sentences only from the two sources): a fix or a value often sits in another chunk of the same file
            allowed = self._with_documents(anchors, documents)
        elif allowed is None and read:  # nothing to rest on: the quotes still come from what the model read
            allowed = near
        # a how-to's steps come from a source the answer rests on: wikibooks-vehicles 0.907 / 0.696 -> 0.942 / 0.735
        steps = step_lines(query, sources, sections=sections, allowed=allowed) if is_howto(query) else []
        lines: list[tuple[str, int]] = []  # the quoted lines, where no steps are
        if steps:
            step_text = "\n".join(f"{escape_markers(line.rstrip('.'))} [{n}]." for line, n in steps)
        else:
            # the lines under the best one hold the fix under a symptom, the value under a label:
            # fact recall 0.535 -> 0.572 on four corpora with 4 of them, no citation added
            picked = [(line, n) for line, n in by_meaning or [] if allowed is None or n in allowed][:self.quote_lines] \
                or extractive_lines(query, sources, value_kind=report.value_kind, max_lines=self.quote_lines,
                                    allowed=allowed, ignore=ignore, shares=shares)
            if self.support_quotes:
                backing = supporting_lines(lead, sources)[:self.support_quotes]
                picked = backing + [p for p in picked if p not in backing]
            lines = distinct(with_following(picked, sources, self.quote_following))
            # a question naming a code is not answered by its neighbours' rows (rows.others_row); a follow-up
            # naming one ("and A-40?") asks of that code, not of those its condensed query carries from before
            asked = codes(question) or codes(query)
            lines = [(line, n) for line, n in lines
                     if not others_row(line, asked, _document_text(n, sources, documents))]
        # last, on what is shown: every number a sentence states is in a source it cites
        lead, unheld = keep_held_numbers(lead, sources)
        # a line the reply (as shown) copied word for word is not quoted again; it still is a labelled value
        shown = distinct(lines, stated=lead)
        restated = _bullets([x for x in lines if x not in shown])
        quoted, unheld_quotes = keep_held_numbers(step_text if steps else _bullets(shown), sources)
        if unheld + unheld_quotes:
            flags.append(Flag("unheld_number", f"{unheld + unheld_quotes} sentence(s) stating a number no source "
                                               "they cite holds left out"))
        text = lead
        if quoted:
            text = f"{lead}\n\n{QUOTES_HEADING}\n{quoted}" if lead else f"{QUOTES_HEADING}\n{quoted}"
        if report.value_kind and not _has_verified_value(lead, f"{quoted}\n{restated}", report.value_kind):
            return "", flags, []
        return text.strip(), flags, list(dict.fromkeys(parse_markers(text)))

    def _with_documents(self, numbers: set[int], documents: Mapping[int, object] | None) -> set[int]:
        """``numbers`` and, with ``document_passages``, the other retrieved passages of their documents."""
        return numbers | (same_document(numbers, documents) if documents and self.document_passages else set())

    def bound_value(self, text: str, question: str, sources: dict[int, str], cited: list[int]) -> BoundValue | None:
        """A number the reply part of a composed ``text`` states, read from a cited source sentence holding every
        question word the corpus knows (``bound_value.bound_value``); None without corpus statistics."""
        reply = "" if text.startswith(QUOTES_HEADING) else text.split(f"\n\n{QUOTES_HEADING}")[0]
        shares = self.term_shares() if self.term_shares else {}
        return bound_value(reply, question, sources, cited, shares) if reply else None


def second_source_needed(scored: list[tuple[float, int, str]], second: int, first: int, margin: float) -> bool:
    """Does source ``second``'s best line in ``scored`` (``scored_lines``) beat source ``first``'s best by ``margin``?
    Yes when either has no line there (the weighted ranking that chose ``second`` decides).

    >>> scored = [(3.0, 2, "Belt tension: 40 N"), (2.5, 1, "Check the belt tension"), (1.0, 3, "Belts")]
    >>> second_source_needed(scored, 2, 1, 1.0), second_source_needed(scored, 2, 3, 1.0)
    (False, True)
    >>> second_source_needed(scored, 2, 4, 1.0), second_source_needed(scored, 5, 1, 1.0)
    (True, True)
    """
    top = next((score for score, n, _ in scored if n == second), None)
    own = next((score for score, n, _ in scored if n == first), None)
    return top is None or own is None or top - own >= margin


def ranked_source(cited: list[int], scores: list[float], documents: Mapping[int, object],
                  margin: float) -> list[int]:
    """The first of the reply's ``cited`` sources whose document scores at most ``margin`` below the passage ranked
    first (``scores``: the retrieval's, source n at n - 1), else that passage, ``[1]``; passages of one document
    (``documents``) count as one.

    >>> ranked_source([3], [0.8, 0.75, 0.6], {}, 0.1), ranked_source([3, 2], [0.8, 0.75, 0.6], {}, 0.1)
    ([1], [2])
    >>> ranked_source([3], [0.8, 0.75, 0.6], {2: ("a.md", None), 3: ("a.md", None)}, 0.1)
    [3]
    """
    def close(n: int) -> bool:
        own = [scores[m - 1] for m in same_document({n}, documents) | {n} if 0 < m <= len(scores)]
        return not own or scores[0] - max(own) <= margin
    return next(([n] for n in cited if close(n)), [1] if cited else [])


def same_document(anchors: set[int], documents: Mapping[int, object]) -> set[int]:
    """The sources whose document (``documents``: file and page of each manual passage) is an anchor's.

    >>> sorted(same_document({1}, {1: ("a.md", None), 2: ("b.md", None), 3: ("a.md", None)}))
    [1, 3]
    >>> sorted(same_document({1, 4}, {1: ("a.pdf", 2), 3: ("a.pdf", 3)}))
    [1]
    """
    held = {documents[n] for n in anchors if n in documents}
    return {n for n, doc in documents.items() if doc in held}


def _document_text(n: int, sources: dict[int, str], documents: Mapping[int, object] | None) -> str:
    """Source ``n``'s text and that of the other retrieved passages of its document (``same_document``)."""
    return "\n".join(sources[m] for m in sorted(same_document({n}, documents or {}) | {n}) if m in sources)


def _bullets(lines: list[tuple[str, int]]) -> str:
    return "\n".join(f"- {escape_markers(unnumbered(line.rstrip('.')))} [{n}]." for line, n in lines)


def _has_verified_value(reply: str, quoted: str, kind: str) -> bool:
    """Does the answer state a value of the asked ``kind``: a number with its unit anywhere, or one under the
    kind's word in a quoted source line? The label counts only where the source wrote it: a reply's sentence
    restating the question's word ("the gap should be 12.5 kg/cm²") labels whatever number it copied.

    >>> _has_verified_value("The gap should be 12.5 kg/cm² [1].", "- 5S-FE: 12.5 kg/cm² [1].", "clearance")
    False
    >>> _has_verified_value("", "- Valve clearance (cold): 0.20 [1].", "clearance")
    True
    >>> _has_verified_value("Set the gap to 0.8 mm [2].", "", "clearance")
    True
    """
    return bool(unit_pattern(kind).search(reply) or value_pattern(kind).search(quoted))
