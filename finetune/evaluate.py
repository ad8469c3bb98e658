"""Quick, split-aware before/after check of an adapter on held-out dataset examples.

The full harness is ``maintassist eval`` (whole answer chain on ``qa.jsonl``); this one feeds the
model the exact prompt of each held-out example and scores its raw answer mechanically:

- ``citation_valid``: the answer cites at least one source and every ``[n]`` resolves;
- ``target_cited``: it cites the source that holds the answer;
- ``fact_match``: every number it states is in the source(s) it cites for that sentence;
- ``false_decline``: it declined an answerable question;
- ``correct_decline``: on "not in the documents" examples, it declined;
- ``procedure_valid``: on procedure examples, at least two numbered steps, each citing a source
  that exists, and the procedure's own source among them.

>>> scores = evaluate_generator(FakeGenerator("x [1]."), examples)  # doctest: +SKIP
"""

from __future__ import annotations

import re
import time
from typing import Any, Sequence

from finetune.examples import Example, check_example

_MARKER = re.compile(r"\[(\d+)\]")
_STEP = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
METRICS = ("citation_valid", "target_cited", "fact_match", "false_decline", "correct_decline", "procedure_valid")


def procedure_valid(ex: Example, answer: str) -> bool:
    """Numbered steps, every one citing an existing source, the procedure's source among them."""
    steps = [line for line in answer.splitlines() if _STEP.match(line)]
    cited = [[int(n) for n in _MARKER.findall(s)] for s in steps]
    return (len(steps) >= 2 and all(c and all(1 <= n <= len(ex.sources) for n in c) for c in cited)
            and (ex.target is None or any(ex.target in c for c in cited)))


def score_answer(ex: Example, answer: str) -> dict[str, bool]:
    """Mechanical scores of one generated ``answer`` to ``ex`` (keys depend on the example kind)."""
    from assistant.prompts import says_not_found

    declined = says_not_found(answer)
    if ex.kind == "decline":
        return {"correct_decline": declined}
    cited = [int(n) for n in _MARKER.findall(answer)]
    valid = bool(cited) and all(1 <= n <= len(ex.sources) for n in cited)
    probe = Example(question=ex.question, sources=ex.sources, answer=answer, kind=ex.kind, target=None)
    scores = {"citation_valid": valid, "target_cited": ex.target in cited if ex.target else valid,
              "fact_match": valid and check_example(probe) is None, "false_decline": declined}
    if ex.kind == "procedure":
        scores["procedure_valid"] = procedure_valid(ex, answer)
    return scores


def evaluate_generator(generator: Any, examples: Sequence[Example], *, max_tokens: int = 160,
                       keep_answers: bool = False) -> dict[str, Any]:
    """Run ``examples`` through ``generator`` (the ``Generator`` protocol) and average the scores."""
    from assistant.types import ChatMessage
    from finetune.train import messages_for

    totals: dict[str, list[bool]] = {m: [] for m in METRICS}
    answers = []
    started = time.perf_counter()
    for ex in examples:
        msgs = [ChatMessage(m["role"], m["content"]) for m in messages_for(ex)]
        # A whole procedure is several times longer than a fact; a cut-off last step is no verdict.
        budget = max_tokens * 3 if ex.kind == "procedure" else max_tokens
        answer = "".join(generator.stream(msgs, max_tokens=budget)).strip()
        for key, ok in score_answer(ex, answer).items():
            totals[key].append(ok)
        if keep_answers:
            answers.append({"question": ex.question, "kind": ex.kind, "answer": answer, "expected": ex.answer})
    out: dict[str, Any] = {m: (round(sum(v) / len(v), 3) if v else None) for m, v in totals.items()}
    out["n_answerable"] = len(totals["citation_valid"])
    out["n_decline"] = len(totals["correct_decline"])
    out["n_procedure"] = len(totals["procedure_valid"])
    out["seconds"] = round(time.perf_counter() - started, 1)
    if keep_answers:
        out["answers"] = answers
    return out


def held_out(examples: Sequence[Example], split: str = "test", limit: int | None = None, seed: int = 0) -> list[Example]:
    """At most ``limit`` examples of one split, a seeded sample so every kind is represented."""
    import random

    chosen = [ex for ex in examples if ex.split == split]
    return random.Random(seed).sample(chosen, limit) if limit and limit < len(chosen) else chosen


def comparison_rows(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, before, after, delta) rows for a table; ``false_decline`` is better when lower."""
    rows = []
    for m in METRICS:
        b, a = before.get(m), after.get(m)
        delta = "" if b is None or a is None else f"{a - b:+.3f}"
        rows.append((m, "-" if b is None else f"{b:.3f}", "-" if a is None else f"{a:.3f}", delta))
    return rows
