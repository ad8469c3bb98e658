"""FakeGenerator, the shared helpers and the backend factory's cheap branches."""

from __future__ import annotations

import importlib.util

import pytest

from assistant.llm import factory
from assistant.llm.base import as_dicts, generate, parse_grammar
from assistant.llm.factory import BackendNotInstalled, build_generator
from assistant.llm.fake import FakeGenerator
from assistant.types import ChatMessage

MSGS = [ChatMessage("system", "Cite sources."), ChatMessage("user", "pump whines")]


class TestFakeGenerator:
    def test_streams_word_pieces_that_join_to_the_script(self):
        gen = FakeGenerator("Clean the suction strainer [2].")
        pieces = list(gen.stream(MSGS))
        assert pieces == ["Clean ", "the ", "suction ", "strainer ", "[2]."]
        assert generate(gen, MSGS) == "Clean the suction strainer [2]."

    def test_script_sees_messages_and_calls_are_recorded(self):
        gen = FakeGenerator(lambda msgs: f"{len(msgs)} messages, last: {msgs[-1].content}")
        assert generate(gen, MSGS, max_tokens=3, grammar="root ::= \"x\"") == "2 messages, last: "
        assert gen.calls[0]["messages"] == MSGS and gen.calls[0]["max_tokens"] == 3
        assert gen.calls[0]["grammar"] == 'root ::= "x"'

    def test_ids_and_token_count(self):
        gen = FakeGenerator("x", model_id="fake-7", adapter_id="lora-a")
        assert (gen.model_id, gen.adapter_id, gen.count_tokens("a b c")) == ("fake-7", "lora-a", 3)


class TestHelpers:
    def test_as_dicts_rejects_unknown_roles(self):
        assert as_dicts(MSGS)[1] == {"role": "user", "content": "pump whines"}
        with pytest.raises(ValueError, match="message 0: role must be"):
            as_dicts([ChatMessage("tool", "x")])

    def test_parse_grammar(self):
        assert parse_grammar(None) is None
        assert parse_grammar('{"type": "object"}') == ("json_schema", {"type": "object"})
        assert parse_grammar({"type": "string"}) == ("json_schema", {"type": "string"})
        assert parse_grammar('root ::= "yes" | "no"') == ("gbnf", 'root ::= "yes" | "no"')
        with pytest.raises(ValueError, match="does not parse"):
            parse_grammar("{not json")


def values(tmp_path, **overrides):
    """build_generator's arguments as the wiring passes them, for a data dir in ``tmp_path``."""
    from assistant.config import Settings
    from assistant.wiring import generator_values

    return {**generator_values(Settings(data_dir=tmp_path)), **overrides}


class TestFactory:
    def test_fake_mode(self, tmp_path):
        gen = build_generator("fake", **values(tmp_path))
        assert gen.model_id == "fake" and generate(gen, MSGS).endswith("[1].")

    def test_unknown_mode(self, tmp_path):
        with pytest.raises(ValueError, match="unknown llm.mode 'gpt'"):
            build_generator("gpt", **values(tmp_path))

    def test_missing_backend_names_the_package(self, monkeypatch, tmp_path):
        real = importlib.util.find_spec
        monkeypatch.setattr(factory.importlib.util, "find_spec",
                            lambda name, *a: None if name == "llama_cpp" else real(name, *a))
        with pytest.raises(BackendNotInstalled, match="pip install llama-cpp-python==0.3.36"):
            build_generator("llamacpp", **values(tmp_path, model="smollm2-135m"))

    def test_peft_folder_with_llamacpp_is_explained(self, tmp_path):
        pytest.importorskip("llama_cpp")
        with pytest.raises(ValueError, match="converted to a GGUF LoRA file"):
            build_generator("llamacpp", **values(tmp_path, model="smollm2-135m", cache_dir=tmp_path,
                                                 lora_adapter=tmp_path))

    def test_openai_mode_builds_without_contacting_the_server(self, tmp_path):
        gen = build_generator("openai", **values(tmp_path, base_url="http://127.0.0.1:9/v1", server_model="qwen"))
        assert gen.model_id == "qwen@http://127.0.0.1:9/v1"

    def test_judge_scorers(self, tmp_path):
        from assistant.llm.factory import build_yes_no
        from assistant.llm.yes_no import OpenAIYesNo

        args = dict(model="qwen2.5-1.5b", cache_dir=tmp_path, n_ctx=512, threads=2, seed=0,
                    base_url="http://127.0.0.1:9/v1", api_key="k", server_model="judge")
        remote = build_yes_no("openai", **args)
        assert isinstance(remote, OpenAIYesNo) and (remote.base_url, remote.model) == ("http://127.0.0.1:9/v1", "judge")
        with pytest.raises(ValueError, match="unknown answer.judge 'gpt'"):
            build_yes_no("gpt", **args)
