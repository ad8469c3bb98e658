"""Answerability by the model's own probabilities: do the documents state what is asked?

The evidence gate (``evidence.py``) decides before generation with term statistics and
English word lists; informal questions ("lube", "wont") trip it, and a tempting question whose
subject is in the corpus but whose value is not slips through. The judge reads the answer's own
prompt (system, numbered documents, question) with one question added (``JUDGE_QUESTION``) and
takes P(yes) / (P(yes) + P(no)) from a model's next-token probabilities. It knows no language
and no domain. On five development corpora the bundled 1.5B model ranks answerable above
unanswerable questions with AUC 0.83–0.95 on each, the 0.5B default does not (0.40–0.73); the
threshold and the figures on a locked corpus are in benchmarks/README.md, "The judge in the product".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from assistant.prompts import JUDGE_QUESTION, VALUE_QUESTION, VALUE_SYSTEM
from assistant.types import ChatMessage


# P(the question asks for a value) from which the value threshold applies: 0.7 kept every unanswerable
# decline on seven development sets, offline (benchmarks/README.md, "Two thresholds")
VALUE_SHARE = 0.7


class YesNoScorer(Protocol):
    """A model's probability that its reply to ``messages`` starts with yes (``assistant.llm.yes_no``)."""

    def p_yes(self, messages: Sequence[ChatMessage]) -> float: ...


@dataclass
class Verdict:
    answerable: bool
    p_yes: float | None  # None when the scorer failed (the answer then stands, flagged)
    error: str = ""
    threshold: float | None = None  # the one applied
    p_value: float | None = None  # P(the question asks for a value), when asked


class AnswerabilityJudge:
    """Declines when P(yes) is below ``threshold``.

    >>> class Fixed:
    ...     def p_yes(self, messages): return 0.3
    >>> AnswerabilityJudge(Fixed(), threshold=0.72).judge([ChatMessage("user", "Documents: ... Question: ?")])
    Verdict(answerable=False, p_yes=0.3, error='', threshold=0.72, p_value=None)
    """

    def __init__(self, scorer: YesNoScorer, *, threshold: float, open_threshold: float | None = None,
                 value_share: float = VALUE_SHARE, question: str = JUDGE_QUESTION) -> None:
        self.scorer = scorer
        self.threshold = threshold
        # questions for advice or steps, not a value: their own threshold (None: one threshold for all)
        self.open_threshold = open_threshold
        self.value_share = value_share  # P(asks for a value) from which the value threshold applies
        self.question = question  # another wording only for benchmarks/bench_answerability.py --judge-question

    def judge(self, prompt: Sequence[ChatMessage], question: str | None = None) -> Verdict:
        """``prompt``: the answer's messages, the last one the user's (documents and question);
        ``question``: the question as asked, for the open threshold."""
        if not prompt or prompt[-1].role != "user":
            raise ValueError("the judge reads an answer prompt that ends with the user's message")
        *head, last = prompt
        asked = [*head, ChatMessage("user", f"{last.content}\n\n{self.question}")]
        threshold, p_value = self.threshold, None
        try:
            p = self.scorer.p_yes(asked)
            if self.open_threshold is not None and question:
                kind = [ChatMessage("system", VALUE_SYSTEM),
                        ChatMessage("user", f"Question: {question}\n\n{VALUE_QUESTION}")]
                p_value = round(self.scorer.p_yes(kind), 4)
                threshold = self.threshold if p_value >= self.value_share else self.open_threshold
        except Exception as exc:  # a judge that cannot run must not take the answer down
            return Verdict(True, None, f"{type(exc).__name__}: {exc}"[:200])
        return Verdict(p >= threshold, round(p, 4), threshold=threshold, p_value=p_value)
