"""The judge's probe: a linear read-out of the judge model's hidden state (fake scorers, named as such); the
bundled probe on the real 1.5B model is tested in tests/assistant/llm/test_judge_model.py."""

from __future__ import annotations

import json
import math

import pytest

from assistant.answer.grounding.judge import AnswerabilityJudge, StateReader
from assistant.answer.grounding.probe import BUNDLED_PROBE, LinearProbe, logit, probe_for
from assistant.config import Settings
from assistant.prompts import JUDGE_QUESTION
from assistant.types import ChatMessage
from ingest.types import Chunk

PROMPT = [ChatMessage("system", "S"), ChatMessage("user", "Documents: [1] ...\n\nQuestion: q")]


def probe(**kw) -> LinearProbe:
    values = dict(judge_model="m", question=JUDGE_QUESTION, weights=(2.0, -1.0), w_yes=1.0, w_prior=0.5, bias=0.0,
                  threshold=0.5)
    return LinearProbe(**{**values, **kw})


class FakeStateScorer:
    """A fake scorer: a fixed hidden state and P(yes) for the prompt with documents, ``bare`` without them."""

    def __init__(self, state, p: float, bare: float = 0.5) -> None:
        self.state, self.p, self.bare = state, p, bare
        self.read_calls = 0
        self.layers: list = []

    def read(self, messages, layer=None):
        self.read_calls += 1
        self.layers.append(layer)
        return self.p, self.state

    def p_yes(self, messages):
        return self.bare if "(none)" in messages[-1].content else self.p


class TestLinearProbe:
    def test_reads_the_unit_state_and_both_probabilities(self):
        p = probe().p((3.0, 4.0), p_yes=0.8, p_prior=0.2)  # unit state (0.6, 0.8)
        z = 2.0 * 0.6 - 1.0 * 0.8 + logit(0.8) + 0.5 * logit(0.2)
        assert p == pytest.approx(1 / (1 + math.exp(-z)))

    def test_scale_of_the_state_does_not_matter(self):
        assert probe().p((3.0, 4.0), p_yes=0.6, p_prior=0.3) == pytest.approx(probe().p((30.0, 40.0), p_yes=0.6,
                                                                                         p_prior=0.3))

    def test_without_the_bare_answer_its_term_is_left_out(self):
        assert probe(w_prior=9.0).p((1.0, 0.0), p_yes=0.5, p_prior=None) == pytest.approx(1 / (1 + math.exp(-2.0)))

    def test_a_state_of_another_size_is_refused(self):
        with pytest.raises(ValueError, match="has 3 values, the probe was fitted on 2"):
            probe().p((1.0, 2.0, 3.0), p_yes=0.5, p_prior=0.5)

    def test_saves_and_loads_the_same_probe(self, tmp_path):
        path = tmp_path / "probe.json"
        probe(note="fitted on a, b", layer=20).save(path)
        assert LinearProbe.load(path) == probe(note="fitted on a, b", layer=20)

    def test_a_file_without_a_layer_reads_the_final_state(self, tmp_path):
        path = tmp_path / "probe.json"
        probe(layer=20).save(path)
        data = json.loads(path.read_text())
        del data["layer"]  # written before probes could read a middle layer
        path.write_text(json.dumps(data))
        assert LinearProbe.load(path).layer is None

    def test_a_broken_file_names_itself(self, tmp_path):
        path = tmp_path / "probe.json"
        path.write_text(json.dumps({"weights": [1.0]}))
        with pytest.raises(ValueError, match="probe.json: not a judge probe"):
            LinearProbe.load(path)


class TestProbeFor:
    def test_the_bundled_probe_fits_the_default_judge(self):
        a = Settings().answer
        chosen = probe_for("bundled", a.judge_model)
        assert chosen == LinearProbe.load(BUNDLED_PROBE) and chosen.fits(a.judge_model, JUDGE_QUESTION)
        assert 0 < chosen.threshold < 1 and len(chosen.weights) == 1536  # the 1.5B's hidden size

    def test_another_judge_model_falls_back_to_p_yes(self, caplog):
        assert probe_for("bundled", "/models/other.gguf") is None
        assert "P(yes) decides alone" in caplog.text

    def test_unset_means_none_and_a_missing_file_is_an_error(self, tmp_path):
        assert probe_for(None, "qwen2.5-1.5b") is None
        with pytest.raises(ValueError, match="nope.json: not a judge probe"):
            probe_for(str(tmp_path / "nope.json"), "qwen2.5-1.5b")


class TestJudgeWithProbe:
    def test_the_probe_decides_and_p_yes_is_kept_for_the_record(self):
        scorer = FakeStateScorer((1.0, 0.0), p=0.9, bare=0.5)
        judge = AnswerabilityJudge(scorer, threshold=0.99, prior_weight=1.0, probe=probe(weights=(-9.0, 0.0)))
        v = judge.judge(PROMPT)
        assert scorer.read_calls == 1 and scorer.layers == [None]
        assert not v.answerable and v.p_probe < 0.5 and v.threshold == 0.5
        assert v.p_yes == 0.9 and v.p_prior == 0.5  # P(yes) 0.9 (weighed with a neutral prior) would pass

    def test_the_scorer_is_asked_for_the_layer_the_probe_reads(self):
        scorer = FakeStateScorer((1.0, 0.0), p=0.9)
        AnswerabilityJudge(scorer, threshold=0.5, probe=probe(layer=20)).judge(PROMPT)
        assert scorer.layers == [20]

    def test_a_high_probe_reading_answers_though_p_yes_is_low(self):
        judge = AnswerabilityJudge(FakeStateScorer((1.0, 0.0), p=0.1), threshold=0.5, probe=probe(weights=(9.0, 0.0)))
        v = judge.judge(PROMPT)
        assert v.answerable and v.p_probe > 0.9 and v.p_yes == 0.1

    def test_a_scorer_without_states_keeps_p_yes(self):
        class PYesOnly:
            """A fake scorer with P(yes) only, like an OpenAI server."""

            def p_yes(self, messages):
                return 0.7

        assert not isinstance(PYesOnly(), StateReader)
        judge = AnswerabilityJudge(PYesOnly(), threshold=0.5, probe=probe(weights=(-9.0, 0.0)))
        assert judge.probe is None
        assert judge.judge(PROMPT) == judge.judge(PROMPT) and judge.judge(PROMPT).answerable

    def test_a_failing_read_keeps_the_answer_and_says_why(self):
        class Broken(FakeStateScorer):
            def read(self, messages, layer=None):
                raise RuntimeError("decode failed")

        v = AnswerabilityJudge(Broken((1.0,), 0.5), threshold=0.5, probe=probe()).judge(PROMPT)
        assert v.answerable and v.p_yes is None and "decode failed" in v.error


class TestInTheChain:
    def _chain(self, weights):
        from assistant.answer.grounding.evidence import EvidenceGate
        from assistant.llm.fake import FakeGenerator
        from tests.assistant.answer.parts import build_chain
        from tests.assistant.answer.test_chain import CHUNKS, FakeRetriever

        judge = AnswerabilityJudge(FakeStateScorer((1.0, 0.0), p=0.9), threshold=0.5, probe=probe(weights=weights))
        return build_chain(FakeRetriever(CHUNKS), FakeGenerator("Tighten the water inlet nuts to 8.8 N·m [1]."),
                           gate=EvidenceGate(0.3, 0.5), k=3, judge=judge)

    def test_a_low_reading_declines_and_the_record_says_it_was_the_probe(self):
        answer = self._chain((-9.0, 0.0)).answer("What torque for the water inlet nuts?")
        assert answer.abstained and "8.8" not in answer.text
        assert any(f.kind == "abstained" and "probe reading" in f.detail for f in answer.flags)
        evidence = answer.extra["evidence"]
        assert evidence["p_probe"] < 0.5 and evidence["p_yes"] > 0.5

    def test_a_high_reading_keeps_the_answer(self):
        answer = self._chain((9.0, 0.0)).answer("What torque for the water inlet nuts?")
        assert not answer.abstained and "8.8 N·m" in answer.text and answer.extra["evidence"]["p_probe"] > 0.5


ZONES = Chunk("z1", "Extruder > Zone temperatures\n| Plastic | Barrel zone (C°) | Nozzle zone (C°) |\n"
              "| PS | 200 | 210 |\n| PP | 190 | 200 |", "/m/extruder.md", "manual")


class TestTheAskedKindOfValue:
    """The asked kind (a temperature) is read from English unit words; this table writes its unit only in its
    header, so no quoted line is verified as stating one."""

    def ask(self, weights, value_probe: float | None = 0.6):
        from assistant.answer.grounding.evidence import EvidenceGate
        from assistant.llm.fake import FakeGenerator
        from tests.assistant.answer.parts import build_chain
        from tests.assistant.answer.test_chain import FakeRetriever

        judge = AnswerabilityJudge(FakeStateScorer((1.0, 0.0), p=0.9), threshold=0.5, probe=probe(weights=weights),
                                   value_probe=value_probe)
        chain = build_chain(FakeRetriever([ZONES]), FakeGenerator("Set the nozzle zone to 210 for PS [1]."),
                            gate=EvidenceGate(0.3, 0.5, word_checks=False), k=1, judge=judge)  # as with a judge
        return chain.answer("what nozzle zone temperature for PS?")

    def test_declined_without_the_setting_or_below_it(self):
        below = self.ask((-2.0, 0.0))  # reads 0.55: answerable to the judge, below the setting
        assert 0.5 < below.extra["evidence"]["p_probe"] < 0.6
        for answer in (self.ask((9.0, 0.0), value_probe=None), below):
            assert answer.abstained and "210" not in answer.text
            assert any(f.kind == "abstained" and "temperature asked for" in f.detail for f in answer.flags)
            assert answer.declined_by == "asked kind of value"

    def test_a_reading_at_the_setting_keeps_the_answer_flagged(self):
        answer = self.ask((9.0, 0.0))
        assert not answer.abstained and "210" in answer.text and answer.extra["evidence"]["p_probe"] >= 0.6
        assert [f.detail for f in answer.flags if f.kind == "value_unverified"] == [
            f"no quoted line states a temperature (judge's probe reading {answer.extra['evidence']['p_probe']:.2f})"]
