"""GeneratorChatModel: a Generator composed in LCEL (prompt | model | parser)."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.llm.fake import FakeGenerator
from assistant.llm.langchain_chat import GeneratorChatModel, to_chat_messages
from assistant.types import ChatMessage


def _chain(gen, **kw):
    prompt = ChatPromptTemplate.from_messages([("system", "Sources:\n{sources}"), ("human", "{question}")])
    return prompt | GeneratorChatModel(generator=gen, **kw) | StrOutputParser()


class TestGeneratorChatModel:
    def test_lcel_streams_token_by_token(self):
        gen = FakeGenerator("Torque is 45 Nm [1].")
        pieces = [p for p in _chain(gen, max_tokens=99).stream({"sources": "[1] 45 Nm", "question": "torque?"}) if p]
        assert pieces == ["Torque ", "is ", "45 ", "Nm ", "[1]."]
        sent = gen.calls[0]
        assert sent["messages"] == [ChatMessage("system", "Sources:\n[1] 45 Nm"), ChatMessage("user", "torque?")]
        assert sent["max_tokens"] == 99

    def test_invoke_and_bound_grammar(self):
        gen = FakeGenerator('{"ok": true}')
        model = GeneratorChatModel(generator=gen, grammar='{"type": "object"}')
        assert model.invoke("hi").content == '{"ok": true}'
        model.bind(max_tokens=5).invoke("hi")
        assert gen.calls[0]["grammar"] == '{"type": "object"}' and gen.calls[1]["max_tokens"] == 5

    def test_message_conversion(self):
        msgs = [SystemMessage("s"), HumanMessage("q"), AIMessage("a")]
        assert [m.role for m in to_chat_messages(msgs)] == ["system", "user", "assistant"]
        with pytest.raises(ValueError, match="unsupported LangChain message type 'tool'"):
            to_chat_messages([ToolMessage("x", tool_call_id="1")])

    def test_stop_sequences_are_refused_clearly(self):
        with pytest.raises(NotImplementedError, match="stop sequences"):
            GeneratorChatModel(generator=FakeGenerator("x")).invoke("hi", stop=["\n"])
