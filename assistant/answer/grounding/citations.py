"""Check and repair the citations of a generated answer.

A small model cites unreliably: it forgets markers, invents ``[7]`` when there are
five sources, or cites the wrong one. ``CitationChecker.check`` works sentence by
sentence against the numbered sources:

1. markers that point to no source are removed and flagged ``invalid_citation``;
2. each sentence's support by a source is measured as the share of its content
   terms (and all of its numbers) found in that source; a sentence citing a source
   that does not support it is re-pointed to the source that does, and a sentence
   without a marker gets the best supporting source when support clears the threshold;
3. sentences no source supports are flagged ``unsupported_sentence``; numbers and
   identifiers ("T100", "V6") that appear in no cited source are flagged ``unverified_number``;
   a value that a cited source states on the row of another identifier than the one the sentence
   names is flagged ``row_mismatch`` (``rows.sibling_row``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.grounding.evidence import codes, squash_code, written_codes
from assistant.answer.grounding.rows import sibling_row
from assistant.textutil import content_terms, numbers, quantities, split_sentences
from assistant.types import Flag

MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def parse_markers(text: str) -> list[int]:
    """All citation numbers in order of appearance: ``'a [1] b [2, 3]'`` -> ``[1, 2, 3]``."""
    found: list[int] = []
    for group in MARKER_RE.findall(text):
        found.extend(int(n) for n in group.split(","))
    return found


# Bracketed numbers inside document text ("[8]" in a CAN dump, "0d[0-9]" in a udev rule, a footnote "[3]")
_DOC_BRACKETS_RE = re.compile(r"\[(\s*\d+(?:\s*[-\u2013,;]\s*\d+)*\s*)\]")


def escape_markers(quoted: str) -> str:
    """Document text quoted into an answer, with its bracketed numbers escaped (Markdown ``\\[8\\]`` shows
    as [8]): left as they are, the chat would link them to its own sources, and a reader would take them
    for citations.

    >>> escape_markers('ATTR{idProduct}=="0d[0-9][0-9]", frame [8] 00 00')
    'ATTR{idProduct}=="0d\\\\[0-9\\\\]\\\\[0-9\\\\]", frame \\\\[8\\\\] 00 00'
    """
    return _DOC_BRACKETS_RE.sub(lambda m: f"\\[{m.group(1)}\\]", quoted)


def strip_markers(text: str) -> str:
    return MARKER_RE.sub("", text).strip()


@dataclass
class CheckedAnswer:
    text: str
    cited: list[int]  # source numbers cited in the final text, first-seen order
    flags: list[Flag] = field(default_factory=list)
    unsupported_sentences: int = 0
    unverified_numbers: list[str] = field(default_factory=list)


def unsupported_quantities(sentence: str, source_text: str) -> list[str]:
    """The sentence's numbers-with-units the source does not state. A word after a number is a unit when it is
    short or a symbol ("kg", "N·m", "°C") or when the source itself writes it after a number ("5 hours"); else it
    is what was counted ("the NEMA 17 stepper", "4 screws") and only the number is checked (``support``).

    >>> unsupported_quantities("Use 1.0 kg, the NEMA 17 stepper and 5 hours.", "priority 1, NEMA 17 pattern, 2 hours")
    ['1 kg', '5 hours']
    """
    held = set(quantities(source_text))
    units = {q.split(" ", 1)[1] for q in held}

    def is_unit(quantity: str) -> bool:
        unit = quantity.split(" ", 1)[1]
        return len(unit) <= 3 or not unit.isalpha() or unit in units

    return [q for q in dict.fromkeys(quantities(sentence)) if q not in held and is_unit(q)]


def support(sentence: str, source_text: str, asked: frozenset[str] = frozenset()) -> float:
    """Share of the sentence's content terms found in the source; 0 if any number is missing. With ``asked`` (the
    question's terms) only the terms the sentence adds count, when it adds any."""
    body = re.sub(r"^\s*\d+[.)]\s+", "", strip_markers(sentence))  # a list ordinal is not a claim
    terms = set(content_terms(body))
    terms = (terms - asked) or terms
    nums = numbers(body)
    src_terms = set(content_terms(source_text))
    src_nums = set(numbers(source_text))
    if nums and not set(nums) <= src_nums:
        return 0.0
    if unsupported_quantities(body, source_text):
        return 0.0  # "1.0 kg" is not supported by a source that only says "priority 1"
    if not terms:
        return 1.0 if nums else 0.0
    return len(terms & src_terms) / len(terms)


class CitationChecker:
    """Validate, re-point and add ``[n]`` markers. ``sources`` maps n -> source text.

    >>> c = CitationChecker(threshold=0.5)
    >>> c.check("Replace the strainer [9].", {1: "Replace the suction strainer."}).text
    'Replace the strainer [1].'
    """

    def __init__(self, threshold: float, drop_unsupported: bool = False) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("citation support threshold must be within 0..1")
        self.threshold = threshold
        # When set, sentences no source supports are removed from the text (and still flagged).
        self.drop_unsupported = drop_unsupported

    def check(self, text: str, sources: dict[int, str], question: str = "") -> CheckedAnswer:
        """``question``: a sentence that adds words of its own needs a cited source holding them, not only the
        question's words ("The expansion valve goes wrong because it is not properly sealed" rests on "properly
        sealed", not on the valve the question named)."""
        asked = frozenset(content_terms(question))
        given = set(numbers(question))
        flags: list[Flag] = []
        invalid = sorted({n for n in parse_markers(text) if n not in sources})
        for n in invalid:
            flags.append(Flag("invalid_citation", f"[{n}] points to no source; removed"))

        out_sentences: list[str] = []
        unsupported = 0
        unverified: list[str] = []
        said: set[str] = set()
        repeats = 0
        for sentence in split_sentences(text):
            marked = [n for n in parse_markers(sentence) if n in sources]
            bare = strip_markers(sentence)
            if not bare:
                continue
            key = " ".join(bare.lower().split())
            if key in said:  # a small model looping ("Check the inlet gauge [2]." seven times)
                repeats += 1
                continue
            said.add(key)
            scores = {n: support(bare, src) for n, src in sources.items()}
            best_n = max(scores, key=lambda n: (scores[n], -n)) if scores else None
            keep = [n for n in dict.fromkeys(marked) if scores.get(n, 0.0) >= self.threshold]
            if not keep and best_n is not None and scores[best_n] >= self.threshold:
                keep = [best_n]
            if asked and keep and max(support(bare, sources[n], asked) for n in keep) < self.threshold:
                keep = []  # it holds the question's words only where it restates them
            if _is_meta(bare):
                keep = keep or []
            elif not keep:
                unsupported += 1
                flags.append(Flag("unsupported_sentence", bare[:160]))
                if self.drop_unsupported:
                    continue
            sibling = next((row for n in keep if (row := sibling_row(bare, sources[n], given))), None)
            if sibling:  # "E-204 means oil temperature above 65 °C": the value of the row above (rows.py)
                flags.append(Flag("row_mismatch", f"the value stated is {sibling}'s in the source: {bare[:120]}"))
                if self.drop_unsupported:
                    continue
            cited_text = " ".join(sources[n] for n in keep) if keep else ""
            cited_nums = set(numbers(cited_text))
            wrong = [num for num in numbers(bare) if num not in cited_nums and not _is_list_ordinal(bare, num)]
            held = written_codes(cited_text)
            wrong += [code for code in codes(bare) if squash_code(code) not in held]  # "V6", "M12": a value too
            for num in wrong:
                unverified.append(num)
                flags.append(Flag("unverified_number", f"{num} is not in a cited source: {bare[:120]}"))
            if wrong and self.drop_unsupported:
                continue  # a value no cited source states is never shown, remark or not ("Note: 99 N·m")
            out_sentences.append(_with_markers(bare, keep))

        if repeats:
            flags.append(Flag("repeated_sentence", f"{repeats} repeated sentence(s) left out"))
        final = _join(out_sentences)
        cited = list(dict.fromkeys(parse_markers(final)))
        return CheckedAnswer(final, cited, flags, unsupported, unverified)


def keep_sources(text: str, keep: set[int]) -> tuple[str, int]:
    """``text`` with only the sentences that cite a source in ``keep`` (their other markers removed);
    sentences without a marker stay. Returns the text and the number of sentences left out.

    >>> keep_sources("Use HLP 46 [1]. The tank holds 120 l [3][1]. Fill it [2].", {1})
    ('Use HLP 46 [1]. The tank holds 120 l [1].', 1)
    >>> keep_sources("Set gpio7 [1]: mode A [1] then enable it [2].", {1})[0]
    'Set gpio7 [1]: mode A [1] then enable it.'
    """
    def only_kept(match: re.Match[str]) -> str:
        kept = [n for n in match.group(1).split(",") if int(n) in keep]
        return f" [{', '.join(n.strip() for n in kept)}]" if kept else ""

    out: list[str] = []
    dropped = 0
    for sentence in split_sentences(text):
        marked = set(parse_markers(sentence))
        if marked and not keep & marked:
            dropped += 1
            continue
        out.append(_SPACED_MARKER.sub(only_kept, sentence))  # the kept markers stay where they were
    return _join(out), dropped


_SPACED_MARKER = re.compile(r"\s*" + MARKER_RE.pattern)


# a number as a reader sees one: any run of digits, inside an identifier too ("tsl1401cl", "V3.1", "M119")
_DIGIT_RUN = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?!\.?\d)")
# a list item's own number ("2. ", or "Step 7: " as a quoted step shows it) and a footnote mark ("[^2]") state no value
NOT_STATED = re.compile(r"^(\s*(?:[-*]\s+)?)(?:Step\s+\d{1,2}:|\d{1,2}[.)])(?=\s)|\[\^\w+\]", re.MULTILINE)


def digit_runs(text: str) -> set[str]:
    """The runs of digits ``text`` writes, thousands separators and trailing decimal zeros dropped.

    >>> sorted(digit_runs("Use the tsl1401cl at 1,200 rpm and 8.80 V [3]."))
    ['1200', '1401', '3', '8.8']
    """
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    return {run.rstrip("0").rstrip(".") if "." in run else run for run in _DIGIT_RUN.findall(text)}


def stated_digits(sentence: str) -> set[str]:
    """``digit_runs`` of an answer's sentence without its citation markers, footnote marks and list number.

    >>> sorted(stated_digits("2. Use the tsl1401cl at 1,200 rpm and 8.80 V [3][^4]."))
    ['1200', '1401', '8.8']
    """
    return digit_runs(NOT_STATED.sub(" ", MARKER_RE.sub(" ", sentence)))


def keep_held_numbers(text: str, sources: dict[int, str]) -> tuple[str, int]:
    """``text`` without the sentences stating a number that none of the sources they cite holds (a sentence
    without a marker: none of the sources ``text`` cites). Returns the text and the sentences left out.

    The sentence checks before it read numbers as values ("8.8 bar"); this one reads every run of digits, in a
    model name too, and runs last, on the composed answer: a sentence that kept one of its two markers, or an
    echoed source line glued to another source's sentence, may state what only the dropped source holds.

    >>> src = {1: "Query the endstops.", 2: "Get Endstop Status: M119"}
    >>> keep_held_numbers("Query them [1]. Status: M119 [1].\\n- Or M119 [2].", src)
    ('Query them [1].\\n- Or M119 [2].', 1)
    """
    def held(marks: list[int]) -> set[str]:
        return set().union(*(digit_runs(sources.get(n, "")) for n in marks))

    everywhere = held(parse_markers(text))
    out: list[str] = []
    dropped = 0
    for line in text.split("\n"):
        sentences = split_sentences(line)
        kept = [s for s in sentences
                if stated_digits(s) <= (held(parse_markers(s)) if parse_markers(s) else everywhere)]
        dropped += len(sentences) - len(kept)
        if len(kept) == len(sentences):
            out.append(line)  # untouched lines keep their layout
        elif kept:
            out.append(" ".join(kept))
    return "\n".join(out), dropped


def _with_markers(sentence: str, ns: list[int]) -> str:
    if not ns:
        return sentence
    marks = "".join(f"[{n}]" for n in ns)
    match = re.match(r"^(.*?)([.!?:;]*)$", sentence, re.S)
    body, end = (match.group(1), match.group(2)) if match else (sentence, "")
    return f"{body.rstrip()} {marks}{end}"


def _join(sentences: list[str]) -> str:
    out = ""
    for s in sentences:
        if not out:
            out = s
        elif re.match(r"^(\d+[.)]|[-*•])\s", s):  # list items keep their own line
            out += "\n" + s
        else:
            out += " " + s
    return out


def _is_meta(sentence: str) -> bool:
    """Sentences about the answer itself ('Sources:', 'Here is what I found') need no citation."""
    s = sentence.lower().strip()
    return len(s) < 12 or s.endswith(":") or s.startswith(("sources", "note:", "here is", "here are"))


def _is_list_ordinal(sentence: str, num: str) -> bool:
    return bool(re.match(rf"^\s*{re.escape(num)}[.)]\s", sentence))
