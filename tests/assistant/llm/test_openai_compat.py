"""The openai mode against a real local OpenAI-compatible server (llama-cpp-python's, on SmolLM2)."""

from __future__ import annotations

import json

import pytest

from assistant.llm.base import generate
from assistant.llm.llamacpp import LlamaCppGenerator
from assistant.llm.openai_compat import OpenAICompatGenerator
from assistant.types import ChatMessage

MSGS = [ChatMessage("system", "Answer briefly."), ChatMessage("user", "Name one part of a hydraulic pump.")]


GREEDY = dict(temperature=0.0, seed=0, max_tokens=320)


class TestRequestShape:
    def test_grammar_styles(self):
        llama = OpenAICompatGenerator("http://x/v1", "m", "not-needed", **GREEDY)
        assert llama._structured('root ::= "a"') == {"extra_body": {"grammar": 'root ::= "a"'}}
        assert llama._structured('{"type": "object"}') == {
            "response_format": {"type": "json_object", "schema": {"type": "object"}}}
        std = OpenAICompatGenerator("http://x/v1", "m", "not-needed", grammar_style="openai", **GREEDY)
        assert std._structured('{"type": "object"}')["response_format"]["json_schema"]["schema"] == {"type": "object"}
        with pytest.raises(ValueError, match="GBNF grammars need a llama.cpp server"):
            std._structured('root ::= "a"')

    def test_bad_url(self):
        with pytest.raises(ValueError, match="http:// or https://"):
            OpenAICompatGenerator("localhost:8000", "m", "not-needed", **GREEDY)


@pytest.mark.slow
@pytest.mark.llm
class TestAgainstLlamaCppServer:
    def test_streams_the_same_greedy_text_as_in_process(self, llama_server, smollm2_gguf):
        remote = OpenAICompatGenerator(llama_server, "smollm2", "not-needed", temperature=0.0, seed=0, max_tokens=30, timeout=60)
        pieces = list(remote.stream(MSGS))
        assert len(pieces) > 1 and "".join(pieces).strip()
        # Same weights, same chat template, greedy: the server and the in-process backend start the same.
        # Only the start: the server's batch/thread setup changes float rounding, and after a few dozen
        # tokens a near-tie between two tokens can flip (seen here after ~15 words).
        local = LlamaCppGenerator(smollm2_gguf, n_ctx=2048, threads=2, max_tokens=30, temperature=0.0, seed=0, flash_attn=False)
        assert "".join(pieces).split()[:6] == generate(local, MSGS).split()[:6]

    def test_json_schema_through_the_server(self, llama_server):
        schema = {"type": "object", "properties": {"part": {"type": "string", "maxLength": 30}},
                  "required": ["part"]}
        remote = OpenAICompatGenerator(llama_server, "smollm2", "not-needed", temperature=0.0, seed=0, max_tokens=40, timeout=60)
        assert isinstance(json.loads(generate(remote, MSGS, grammar=json.dumps(schema)))["part"], str)

    def test_unreachable_server_raises(self):
        import openai

        gen = OpenAICompatGenerator("http://127.0.0.1:9/v1", "m", "not-needed", timeout=2, **GREEDY)
        with pytest.raises(openai.APIConnectionError):
            generate(gen, MSGS)
