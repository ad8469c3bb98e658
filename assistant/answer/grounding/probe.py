"""Answerability read from the judge model's hidden state, not only from its yes / no word.

The judge (``judge.py``) asks a model whether the documents state what is asked and reads P(yes) from the
vocabulary's projection of the model's last hidden state: one fixed direction of that state. A probe adds a fitted
direction: a logistic regression over a hidden state of the same pass (unit length; the bundled one reads layer 20
of the 1.5B's 28, which told the classes apart better than the last layer), trained on the development corpora's
judged questions (answerable or not) by ``benchmarks/fit_judge_probe.py``, whose read-out is added to the judge's
P(yes) weighed with its P(yes) without the documents (log-odds, each scaled by its spread). It knows no language and
no word list; what it learned is one data file, tied to the judge model and the judge's question it was fitted
for, measured leaving one corpus out and on the locked corpus (benchmarks/README.md, "The judge's hidden state" and
"A middle layer of the judge").
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from assistant.prompts import JUDGE_QUESTION

log = logging.getLogger(__name__)
# fitted by benchmarks/fit_judge_probe.py for the bundled 1.5B judge
BUNDLED_PROBE = Path(__file__).with_name("judge_probe.json")


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class LinearProbe:
    """The reading sigmoid(weights · unit(state) + w_yes · logit(P(yes)) + w_prior · logit(P(yes) bare) + bias):
    higher is more likely answerable; it is not calibrated as a probability, ``threshold`` is fitted on its scale.

    >>> probe = LinearProbe("m", "q?", (1.0, 0.0), w_yes=0.5, w_prior=0.0, bias=-0.5, threshold=0.4)
    >>> round(probe.p((3.0, 0.0), p_yes=0.5, p_prior=0.5), 3)
    0.622
    >>> probe.p((1.0,), p_yes=0.5, p_prior=0.5)
    Traceback (most recent call last):
    ...
    ValueError: the judge's hidden state has 1 values, the probe was fitted on 2
    """

    judge_model: str  # the bundled model name it was fitted for; another model's state means nothing to it
    question: str  # the judge's question it was fitted with
    weights: tuple[float, ...]
    w_yes: float
    w_prior: float
    bias: float
    threshold: float  # the reading below which the judge declines
    note: str = ""  # how it was fitted: corpora, regularisation, date
    layer: int | None = None  # the judge model's layer whose output it reads; None: the final state, after the norm

    def p(self, state: Sequence[float], *, p_yes: float, p_prior: float | None) -> float:
        if len(state) != len(self.weights):
            raise ValueError(f"the judge's hidden state has {len(state)} values, the probe was fitted on "
                             f"{len(self.weights)}")
        norm = math.sqrt(sum(float(x) * float(x) for x in state)) or 1.0
        z = sum(w * float(x) for w, x in zip(self.weights, state)) / norm
        z += self.w_yes * logit(p_yes) + self.bias
        if p_prior is not None:
            z += self.w_prior * logit(p_prior)
        return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))

    def fits(self, judge_model: str, question: str) -> bool:
        """Whether this probe reads the state of ``judge_model`` asked ``question``."""
        return judge_model == self.judge_model and question == self.question

    def save(self, path: Path) -> None:
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "weights"}
        fields = {k: round(v, 6) if isinstance(v, float) else v for k, v in fields.items()}
        text = json.dumps(fields, indent=1, ensure_ascii=False)[:-2]  # the weights last, on one line
        weights = json.dumps([round(w, 6) for w in self.weights])
        path.write_text(f'{text},\n "weights": {weights}\n}}\n', encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearProbe:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            data["weights"] = tuple(float(w) for w in data["weights"])
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}: not a judge probe ({type(exc).__name__}: {exc})") from exc


def probe_for(choice: str | None, judge_model: str, question: str = JUDGE_QUESTION) -> LinearProbe | None:
    """The probe ``answer.judge_probe`` names ("bundled", a file, or None for none) where it fits the judge; a
    probe fitted for another model or question is left out with a warning (P(yes) alone then decides)."""
    if not choice:
        return None
    probe = LinearProbe.load(BUNDLED_PROBE if choice == "bundled" else Path(choice).expanduser())
    if not probe.fits(judge_model, question):
        log.warning("answer.judge_probe %s was fitted for judge %r and its question, not for %r and today's; "
                    "P(yes) decides alone", choice, probe.judge_model, judge_model)
        return None
    return probe
