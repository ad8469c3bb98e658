"""The transformers backend on the bundled SmolLM2 GGUF (dequantised to fp32; ~15-35 s to load on 2 cores).

Greedy text is not compared token for token with llama.cpp: llama.cpp multiplies Q4_1 weights against
8-bit-quantised activations, transformers against fp32 activations, and on this 135M model the two
greedy paths part within the first few tokens (same prompt tokens, checked). What must agree is the
tokenizer and the chat template, so that is what this test compares; the text is checked for streaming,
determinism and non-emptiness.
"""

from __future__ import annotations

import pytest

from assistant.llm.base import generate
from assistant.types import ChatMessage

pytestmark = [pytest.mark.slow, pytest.mark.llm]

MSGS = [ChatMessage("user", "What is the capital of France?")]


@pytest.fixture(scope="module")
def hf_gen(smollm2_gguf):
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from assistant.llm.hf import TransformersGenerator

    gen = TransformersGenerator(smollm2_gguf.parent, gguf_file=smollm2_gguf.name, device="cpu",
                                max_tokens=16, threads=2, temperature=0.0, seed=0)
    gen.load()
    return gen


def test_streams_deterministic_greedy_text(hf_gen):
    pieces = list(hf_gen.stream(MSGS))
    assert len(pieces) > 1 and "Paris" in "".join(pieces)
    assert generate(hf_gen, MSGS) == "".join(pieces)


def test_tokenizer_matches_llama_cpp(hf_gen, smollm2_gguf):
    from assistant.llm.llamacpp import LlamaCppGenerator

    text = "Torque the PRESS-04 flange bolts to 45 Nm; relief valve 180 bar."
    llama = LlamaCppGenerator(smollm2_gguf, n_ctx=512, threads=2, temperature=0.0, seed=0, max_tokens=320, flash_attn=False)
    assert hf_gen.count_tokens(text) == llama.count_tokens(text)


def test_grammar_is_refused_with_a_hint(hf_gen):
    with pytest.raises(NotImplementedError, match="llm.mode=llamacpp"):
        generate(hf_gen, MSGS, grammar='{"type": "object"}')
