"""Answerability by the model's own probabilities: do the documents state what is asked?

The evidence gate (``evidence.py``) decides before generation with term statistics and
English word lists; informal questions ("lube", "wont") trip it, and a tempting question whose
subject is in the corpus but whose value is not slips through. The judge reads the answer's own
prompt (system, numbered documents, question) with one question added (``JUDGE_QUESTION``) and
takes P(yes) / (P(yes) + P(no)) from a model's next-token probabilities. It knows no language
and no domain. On five development corpora the bundled 1.5B model ranks answerable above
unanswerable questions with AUC 0.83–0.95 on each, the 0.5B default does not (0.40–0.73); the
threshold and the figures on a locked corpus are in benchmarks/README.md, "The judge in the product".
The judge is also asked with the documents removed; that answer's log-odds, added to the first, lifted its AUC on
four development sets (``prior_weight``, ``weighed``). With a ``LinearProbe`` (``probe.py``) the verdict is read
from the judge model's hidden state as well, where the scorer can give it (``StateReader``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

from assistant.answer.grounding.probe import LinearProbe, logit
from assistant.prompts import JUDGE_QUESTION, NUMBER_QUESTION, VALUE_QUESTION, VALUE_SYSTEM, documents_removed
from assistant.types import ChatMessage


# P(the question asks for a value) from which the value threshold applies: 0.7 kept every unanswerable
# decline on seven development sets, offline (benchmarks/README.md, "Two thresholds")
VALUE_SHARE = 0.7


class YesNoScorer(Protocol):
    """A model's probability that its reply to ``messages`` starts with yes (``assistant.llm.yes_no``)."""

    def p_yes(self, messages: Sequence[ChatMessage]) -> float: ...


@runtime_checkable
class StateReader(Protocol):
    """A scorer that also gives a hidden state of the pass its P(yes) is read from: the final one, or ``layer``'s
    output (``LlamaCppYesNo.read``)."""

    def read(self, messages: Sequence[ChatMessage], layer: int | None = None) -> tuple[float, Any]: ...


@dataclass
class Verdict:
    answerable: bool
    p_yes: float | None  # None when the scorer failed (the answer then stands, flagged)
    error: str = ""
    threshold: float | None = None  # the one applied
    p_value: float | None = None  # P(the question asks for a value), when asked
    p_prior: float | None = None  # P(yes) with the documents removed, when weighed in (``p_yes`` holds both)
    p_probe: float | None = None  # the probe's reading, when it decided (``threshold`` is then the probe's)


class AnswerabilityJudge:
    """Declines when P(yes) is below ``threshold``.

    >>> class Fixed:
    ...     def p_yes(self, messages): return 0.3
    >>> AnswerabilityJudge(Fixed(), threshold=0.72).judge([ChatMessage("user", "Documents: ... Question: ?")])
    Verdict(answerable=False, p_yes=0.3, error='', threshold=0.72, p_value=None, p_prior=None, p_probe=None)
    """

    def __init__(self, scorer: YesNoScorer, *, threshold: float, open_threshold: float | None = None,
                 value_share: float = VALUE_SHARE, question: str = JUDGE_QUESTION, prior_weight: float = 0.0,
                 number_share: float | None = None, probe: LinearProbe | None = None,
                 value_probe: float | None = None) -> None:
        self.scorer = scorer
        self.threshold = threshold
        # questions for advice or steps, not a value: their own threshold (None: one threshold for all)
        self.open_threshold = open_threshold
        self.value_share = value_share  # P(asks for a value) from which the value threshold applies
        self.question = question  # another wording only for benchmarks/bench_answerability.py --judge-question
        # the weight, in log-odds, of the judge's answer with the documents removed (0: not asked)
        self.prior_weight = prior_weight
        # P(the question asks for a number) from which an answer stating no number is declined (None: not asked)
        self.number_share = number_share
        # decides instead of P(yes) where the scorer gives its hidden state (an OpenAI server does not)
        self.probe = probe if probe is not None and isinstance(scorer, StateReader) else None
        # the probe's reading from which an answer stands though no quoted line holds a value of the asked kind
        # (the kinds are English word lists; the judge reads any language); None: such answers are declined
        self.value_probe = value_probe

    def judge(self, prompt: Sequence[ChatMessage], question: str | None = None) -> Verdict:
        """``prompt``: the answer's messages, the last one the user's (documents and question);
        ``question``: the question as asked, for the open threshold."""
        if not prompt or prompt[-1].role != "user":
            raise ValueError("the judge reads an answer prompt that ends with the user's message")
        *head, last = prompt
        asked = [*head, ChatMessage("user", f"{last.content}\n\n{self.question}")]
        threshold, p_value, p_prior, p_probe = self.threshold, None, None, None
        try:
            if self.probe is not None:
                p, state = self.scorer.read(asked, layer=self.probe.layer)  # type: ignore[attr-defined]
            else:
                p, state = self.scorer.p_yes(asked), None
            if self.prior_weight or (self.probe is not None and self.probe.w_prior):
                bare = [*head, ChatMessage("user", f"{documents_removed(last.content)}\n\n{self.question}")]
                p_prior = round(self.scorer.p_yes(bare), 4)
            if self.probe is not None:
                p_probe = round(self.probe.p(state, p_yes=p, p_prior=p_prior), 4)
            if p_prior is not None and self.prior_weight:
                p = weighed(p, p_prior, self.prior_weight)
            if self.open_threshold is not None and question:
                kind = [ChatMessage("system", VALUE_SYSTEM),
                        ChatMessage("user", f"Question: {question}\n\n{VALUE_QUESTION}")]
                p_value = round(self.scorer.p_yes(kind), 4)
                threshold = self.threshold if p_value >= self.value_share else self.open_threshold
        except Exception as exc:  # a judge that cannot run must not take the answer down
            return Verdict(True, None, f"{type(exc).__name__}: {exc}"[:200])
        if p_probe is not None:
            return Verdict(p_probe >= self.probe.threshold, round(p, 4), threshold=self.probe.threshold,
                           p_prior=p_prior, p_probe=p_probe)
        return Verdict(p >= threshold, round(p, 4), threshold=threshold, p_value=p_value, p_prior=p_prior)

    def keeps(self, verdict: Verdict) -> bool:
        """Does ``verdict`` let an answer stand whose quoted lines hold no value of the asked kind? Only a probe
        reading at or above ``value_probe`` does: P(yes) alone is not read this way.

        >>> judge = AnswerabilityJudge(None, threshold=0.26, value_probe=0.6)
        >>> [judge.keeps(Verdict(True, 0.5, p_probe=p)) for p in (0.59, 0.6, None)]
        [False, True, False]
        >>> AnswerabilityJudge(None, threshold=0.26).keeps(Verdict(True, 0.5, p_probe=0.9))
        False
        """
        return self.value_probe is not None and verdict.p_probe is not None and verdict.p_probe >= self.value_probe

    def asks_number(self, question: str) -> float | None:
        """P(yes) that ``question`` asks for a number (the question alone, any language); None when it cannot run.

        >>> class Fixed:
        ...     def p_yes(self, messages): return 0.9 if "how many secs" in messages[-1].content else 0.1
        >>> judge = AnswerabilityJudge(Fixed(), threshold=0.26, number_share=0.65)
        >>> judge.asks_number("rc loss timeout, how many secs?"), judge.asks_number("why does it beep")
        (0.9, 0.1)
        """
        try:
            return round(self.scorer.p_yes([ChatMessage("system", VALUE_SYSTEM),
                                            ChatMessage("user", f"Question: {question}\n\n{NUMBER_QUESTION}")]), 4)
        except Exception:  # like the judge: a check that cannot run does not take the answer down
            return None


def weighed(p: float, prior: float, weight: float) -> float:
    """P(yes) with the documents, its log-odds moved by ``weight`` times those of P(yes) without them.

    Measured, not derived: subtracting the no-documents answer (calibrating out a question's own lean) lowered the
    judge's AUC on four development sets; adding it raised the AUC on each (benchmarks/README.md, "The judge's
    answer without the documents").

    >>> round(weighed(0.7, 0.2, 1.0), 3), weighed(0.7, 0.2, 0.0)
    (0.368, 0.7)
    """
    return 1 / (1 + math.exp(-(logit(p) + weight * logit(prior))))
