"""The default backend on the real bundled GGUFs (llama.cpp, CPU)."""

from __future__ import annotations

import json
import threading

import pytest

from assistant.llm.base import generate
from assistant.llm.llamacpp import LlamaCppGenerator
from assistant.types import ChatMessage

pytestmark = [pytest.mark.slow, pytest.mark.llm]

SYSTEM = ChatMessage("system", "Answer only from the numbered sources and cite them as [n].")
GROUNDED = [SYSTEM, ChatMessage("user", (
    "Sources:\n[1] PRESS-04 hydraulic pump: torque the flange bolts to 45 Nm in a star pattern. "
    "Relief valve setting 180 bar.\n[2] Chiller 7: clean the condenser coil every 3 months.\n\n"
    "Question: What torque do the PRESS-04 pump flange bolts need?"))]


class TestSmolLM2:
    def test_streams_deterministic_greedy_answer(self, smollm2_gguf):
        gen = LlamaCppGenerator(smollm2_gguf, n_ctx=2048, threads=2, max_tokens=40, temperature=0.0, seed=0, flash_attn=False)
        first = list(gen.stream(GROUNDED))
        assert len(first) > 1 and "".join(first).strip()  # streamed in several pieces
        assert generate(gen, GROUNDED) == "".join(first)
        assert gen.model_id == "SmolLM2-135M-Instruct.Q4_1@b179c952" and gen.adapter_id is None

    def test_max_tokens_and_token_count(self, smollm2_gguf):
        gen = LlamaCppGenerator(smollm2_gguf, n_ctx=2048, threads=2, max_tokens=40, temperature=0.0, seed=0, flash_attn=False)
        assert gen.count_tokens(generate(gen, GROUNDED, max_tokens=5)) <= 6  # re-tokenising may merge/split one
        assert 60 < gen.count_prompt_tokens(GROUNDED) < 200

    def test_gbnf_grammar_restricts_output(self, smollm2_gguf):
        gen = LlamaCppGenerator(smollm2_gguf, n_ctx=2048, threads=2, max_tokens=10, temperature=0.0, seed=0, flash_attn=False)
        assert generate(gen, GROUNDED, grammar='root ::= "yes" | "no"') in ("yes", "no")

    def test_concurrent_streams_are_serialised(self, smollm2_gguf):
        gen = LlamaCppGenerator(smollm2_gguf, n_ctx=2048, threads=2, max_tokens=15, temperature=0.0, seed=0, flash_attn=False)
        expected = generate(gen, GROUNDED)
        results: list[str] = []
        threads = [threading.Thread(target=lambda: results.append(generate(gen, GROUNDED))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [expected, expected]

    def test_bad_paths_fail_at_construction(self, smollm2_gguf, tmp_path):
        with pytest.raises(FileNotFoundError, match="GGUF model not found"):
            LlamaCppGenerator(tmp_path / "missing.gguf", n_ctx=2048, threads=2, temperature=0.0, seed=0, max_tokens=320, flash_attn=False)
        with pytest.raises(FileNotFoundError, match="LoRA adapter"):
            LlamaCppGenerator(smollm2_gguf, lora_path=tmp_path / "lora.gguf", n_ctx=2048, threads=2, temperature=0.0, seed=0, max_tokens=320, flash_attn=False)


class TestQwen:
    def test_grounded_answer_quotes_the_number(self, qwen_gguf):
        gen = LlamaCppGenerator(qwen_gguf, n_ctx=2048, threads=2, max_tokens=60, temperature=0.0, seed=0, flash_attn=False)
        answer = generate(gen, GROUNDED)
        assert "45" in answer and "Nm" in answer
        assert gen.model_id == "qwen2.5-0.5b-instruct@1d961463"

    def test_json_schema_output_parses(self, qwen_gguf):
        schema = {"type": "object", "properties": {"torque_nm": {"type": "integer"}, "source": {"type": "integer"}},
                  "required": ["torque_nm", "source"]}
        gen = LlamaCppGenerator(qwen_gguf, n_ctx=2048, threads=2, max_tokens=40, temperature=0.0, seed=0, flash_attn=False)
        data = json.loads(generate(gen, GROUNDED, grammar=json.dumps(schema)))
        assert data == {"torque_nm": 45, "source": 1}
