"""P(yes): how likely a model is to answer "yes" next, from its own next-token probabilities.

The answerability judge (``assistant.answer.grounding.judge``) asks a model whether the numbered
documents state what the question asks and reads the probability of its first answer token,
not its greedy word: a small model's greedy yes / no says yes to nearly everything, its
probabilities rank answerable above unanswerable questions (benchmarks/README.md, "The model's
own P(yes)"). Two backends:

- ``LlamaCppYesNo``: a GGUF model in this process; llama.cpp keeps the last position's logits.
- ``OpenAIYesNo``: an OpenAI-compatible server (vLLM) asked for one token with ``top_logprobs``.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

from assistant.llm.base import as_dicts
from assistant.types import ChatMessage

# The first token of a reply that says yes or no, in the spellings chat models use.
YES_WORDS = ("yes", "Yes", "YES")
NO_WORDS = ("no", "No", "NO")


def yes_share(token_probs: Iterable[tuple[str, float]]) -> float:
    """P(yes) / (P(yes) + P(no)) over (token text, probability) pairs; 0.5 when neither appears."""
    yes = no = 0.0
    for text, p in token_probs:
        word = text.strip()
        if word in YES_WORDS:
            yes += p
        elif word in NO_WORDS:
            no += p
    return yes / (yes + no) if yes + no > 0 else 0.5


class LlamaCppYesNo:
    """P(yes) of a GGUF chat model loaded in this process (lazily, once; calls are serialised)."""

    def __init__(self, model_path: Path, *, n_ctx: int, threads: int, seed: int = 0) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.threads = threads
        self.seed = seed
        self._llm: Any = None
        self._format: Any = None
        self._ids: dict[int, str] = {}
        self._tap: Any = None  # a middle layer's output, for ``read``
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load now (warm-up at start-up) instead of on the first question."""
        with self._lock:
            self._load()

    def _load(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            from assistant.llm.layer_tap import LayerTap, build_with_tap

            self._tap = LayerTap()
            llm = build_with_tap(lambda: Llama(model_path=str(self.model_path), n_ctx=self.n_ctx,
                                               n_threads=self.threads, seed=self.seed, verbose=False), self._tap)
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ValueError(f"{self.model_path}: the GGUF carries no chat template (tokenizer.chat_template)")
            eos, bos = llm.token_eos(), llm.token_bos()
            self._format = Jinja2ChatFormatter(template, eos_token=llm.detokenize([eos]).decode(errors="ignore"),
                                               bos_token=llm.detokenize([bos]).decode(errors="ignore")
                                               if bos >= 0 else "")
            for word in YES_WORDS + NO_WORDS:
                for form in (word, " " + word):
                    toks = llm.tokenize(form.encode(), add_bos=False, special=False)
                    if len(toks) == 1:
                        self._ids[toks[0]] = word
            self._llm = llm
        return self._llm

    def p_yes(self, messages: Sequence[ChatMessage]) -> float:
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._load()
            toks = self._tokens(llm, messages)
            # read from the start every time: reusing a cached prefix splits the batches differently and
            # moved P(yes) by 0.016 in a test, enough to flip a decline near the threshold
            llm.n_tokens = 0
            llm.eval(toks)
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            return self._share(logits)

    def read(self, messages: Sequence[ChatMessage], layer: int | None = None) -> tuple[float, Any]:
        """P(yes) and a hidden state of the last position (float32): the final one, after the norm, that P(yes) is
        read from; or with ``layer`` that layer's output (``layer_tap.py``).

        The prompt minus its last token is read first, the last token alone after it: a context with embeddings on
        outputs every position of a batch, and the vocabulary's projection of all of them cost ~20 % more time. The
        split moves P(yes) by up to ~0.02 against ``p_yes``."""
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._load()
            toks = self._tokens(llm, messages)
            llm.n_tokens = 0
            try:
                llm.eval(toks[:-1])
                if layer is None:
                    llama_cpp.llama_set_embeddings(llm.ctx, True)
                else:
                    self._tap.arm(layer, llm.n_embd())
                llm.eval(toks[-1:])
            finally:
                self._tap.disarm()
                llama_cpp.llama_set_embeddings(llm.ctx, False)
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            if layer is not None:
                if self._tap.value is None:
                    raise ValueError(f"{self.model_path.name}: no layer {layer} output (l_out-{layer}) in its graph")
                return self._share(logits), self._tap.value
            state = np.ctypeslib.as_array(llama_cpp.llama_get_embeddings_ith(llm.ctx, -1), shape=(llm.n_embd(),))
            return self._share(logits), state.astype(np.float32)  # a copy: the context reuses its buffers

    def _tokens(self, llm: Any, messages: Sequence[ChatMessage]) -> list[int]:
        prompt = self._format(messages=as_dicts(messages)).prompt
        toks = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        if len(toks) >= self.n_ctx:
            raise ValueError(f"the judge's prompt has {len(toks)} tokens, more than its n_ctx {self.n_ctx}")
        return toks

    def _share(self, logits: Any) -> float:
        import numpy as np

        ids = list(self._ids)
        chosen = logits[ids].astype(np.float64)
        top = float(logits.max())
        return yes_share((self._ids[i], math.exp(v - top)) for i, v in zip(ids, chosen))


class OpenAIYesNo:
    """P(yes) from an OpenAI-compatible server: one token, greedy, with its ``top_logprobs``."""

    def __init__(self, base_url: str, model: str, api_key: str, *, top: int = 20, client: Any = None) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key = api_key
        self.top = top
        self._client = client

    def p_yes(self, messages: Sequence[ChatMessage]) -> float:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key)
        reply = self._client.chat.completions.create(model=self.model, messages=as_dicts(messages), max_tokens=1,
                                                     temperature=0, logprobs=True, top_logprobs=self.top)
        content = reply.choices[0].logprobs.content if reply.choices[0].logprobs else None
        if not content:
            raise ValueError(f"{self.base_url}: the server returned no logprobs (does it support top_logprobs?)")
        return yes_share((t.token, math.exp(t.logprob)) for t in content[0].top_logprobs)
