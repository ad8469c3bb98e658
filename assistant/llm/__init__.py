"""LLM backends behind one small interface (``Generator.stream``), chosen by ``llm.mode``.

Backends import their heavy libraries (llama_cpp, torch, openai) only when built; see ``factory``.
"""

from assistant.llm.base import Generator, generate

__all__ = ["Generator", "generate"]
