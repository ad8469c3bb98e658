"""The one boundary to LangChain: any ``Generator`` as a chat model that composes in LCEL.

LangChain message types are converted to ``ChatMessage`` here and nowhere else.

>>> from langchain_core.prompts import ChatPromptTemplate
>>> from assistant.llm.fake import FakeGenerator
>>> chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | GeneratorChatModel(
...     generator=FakeGenerator("Check the strainer [1]."))
>>> chain.invoke({"q": "pump whines"}).content
'Check the strainer [1].'
"""

from __future__ import annotations

from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from assistant.types import ChatMessage

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def to_chat_messages(messages: list[BaseMessage]) -> list[ChatMessage]:
    """LangChain messages → our ``ChatMessage`` (system / user / assistant)."""
    out = []
    for m in messages:
        role = _ROLES.get(m.type)
        if role is None:
            raise ValueError(f"unsupported LangChain message type {m.type!r}: use system, human or ai messages")
        out.append(ChatMessage(role, m.content if isinstance(m.content, str) else str(m.content)))
    return out


class GeneratorChatModel(BaseChatModel):
    """Wraps a ``Generator``; ``max_tokens`` and ``grammar`` are passed to every call (override via ``bind``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    generator: Any
    max_tokens: int | None = None
    grammar: str | None = None

    @property
    def _llm_type(self) -> str:
        return "maintassist-generator"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_id": getattr(self.generator, "model_id", None),
                "adapter_id": getattr(self.generator, "adapter_id", None)}

    def _pieces(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> Iterator[str]:
        if stop:
            raise NotImplementedError("stop sequences are not supported; the chat template ends turns itself")
        return self.generator.stream(to_chat_messages(messages), max_tokens=kwargs.get("max_tokens", self.max_tokens),
                                     grammar=kwargs.get("grammar", self.grammar))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        pieces = []
        for piece in self._pieces(messages, stop, kwargs):
            pieces.append(piece)
            if run_manager:
                run_manager.on_llm_new_token(piece)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="".join(pieces)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for piece in self._pieces(messages, stop, kwargs):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
