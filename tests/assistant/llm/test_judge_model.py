"""The answerability judge on the real bundled 1.5B model, with the answer's own prompt."""

from __future__ import annotations

import pytest

from assistant.answer.generate import SourcedGenerator
from assistant.answer.grounding.judge import AnswerabilityJudge
from assistant.config import Settings
from assistant.llm.fake import FakeGenerator
from assistant.llm.yes_no import LlamaCppYesNo
from assistant.types import Citation

pytestmark = [pytest.mark.slow, pytest.mark.llm]

DOCS = ["Hydraulic press 4 (PRESS-04). Relief valve setting: 235 bar. Check the setting every 500 h with a "
        "calibrated gauge.",
        "Pump suction strainer P/N 4471-22: clean every 500 h. Hydraulic oil: HLP 46, tank 120 l."]
CITATIONS = [Citation(n=i, chunk_id=f"c{i}", source=f"press4-{i}.md", doc_type="manual", label=f"press4.md · part {i}",
                      excerpt=d) for i, d in enumerate(DOCS, start=1)]


@pytest.fixture(scope="module")
def judge(model_cache):
    from assistant.models import ModelNotAvailable, llm_gguf_path

    try:
        path = llm_gguf_path(Settings().answer.judge_model, model_cache)
    except ModelNotAvailable as exc:
        pytest.skip(f"the judge's model is not installed (make install-judge): {exc}")
    s = Settings()
    return AnswerabilityJudge(LlamaCppYesNo(path, n_ctx=s.llm.n_ctx, threads=s.llm.threads),
                              threshold=s.answer.judge_threshold, prior_weight=s.answer.judge_prior_weight)


def verdict(judge, question):
    writer = SourcedGenerator(FakeGenerator(), max_tokens=10, source_chars=250, prompt_turns=2)
    return judge.judge(writer.prompt(question, [], CITATIONS, DOCS))


def test_a_stated_value_is_answerable(judge):
    v = verdict(judge, "whats the relief valve setting on press 4")
    assert v.answerable and v.p_yes > judge.threshold + 0.05


@pytest.mark.parametrize("question", ["what is the warranty period of press 4",  # subject in, value not
                                      "whats the max motor current on press 4"])
def test_a_value_no_document_states_is_declined(judge, question):
    v = verdict(judge, question)
    assert not v.answerable and v.p_yes < judge.threshold - 0.05


@pytest.fixture(scope="module")
def probed(judge):
    from assistant.answer.grounding.probe import probe_for

    a = Settings().answer
    return AnswerabilityJudge(judge.scorer, threshold=a.judge_threshold, prior_weight=a.judge_prior_weight,
                              probe=probe_for(a.judge_probe, a.judge_model))


def test_the_bundled_probe_reads_the_model_s_state(probed):
    assert probed.probe is not None  # the default settings' probe fits the default judge model
    stated = verdict(probed, "whats the relief valve setting on press 4")
    assert stated.answerable and stated.p_probe > probed.probe.threshold


@pytest.mark.parametrize("question", ["what is the warranty period of press 4", "whats the max motor current on press 4"])
def test_the_bundled_probe_declines_a_value_no_document_states(probed, question):
    v = verdict(probed, question)
    assert not v.answerable and v.p_probe < probed.probe.threshold


def test_a_middle_layer_is_read_in_the_same_pass(judge):
    import numpy as np

    writer = SourcedGenerator(FakeGenerator(), max_tokens=10, source_chars=250, prompt_turns=2)
    prompt = writer.prompt("whats the relief valve setting on press 4", [], CITATIONS, DOCS)
    p_final, final = judge.scorer.read(prompt)
    p_layer, layer = judge.scorer.read(prompt, layer=20)
    again = judge.scorer.read(prompt, layer=20)[1]
    assert p_layer == pytest.approx(p_final, abs=1e-4)  # one pass: the layer is read on the way
    assert layer.shape == final.shape == (1536,) and np.array_equal(layer, again)
    cos = float(layer @ final / np.linalg.norm(layer) / np.linalg.norm(final))
    assert cos < 0.9  # another layer's output, not the final state again
    assert not np.array_equal(layer, judge.scorer.read(prompt, layer=14)[1])
    with pytest.raises(ValueError, match="no layer 99 output"):
        judge.scorer.read(prompt, layer=99)
