"""P(yes) scorers: the arithmetic, the OpenAI reply shape (a fake client), and llama.cpp for real."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from assistant.llm.yes_no import LlamaCppYesNo, OpenAIYesNo, yes_share
from assistant.types import ChatMessage


def ask(statement: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You answer questions about arithmetic."),
            ChatMessage("user", f"Is it true that {statement}? Answer yes or no.")]


class TestYesShare:
    def test_sums_spellings_and_ignores_other_tokens(self):
        assert yes_share([("yes", 0.3), (" Yes", 0.3), ("no", 0.2), ("maybe", 0.9)]) == pytest.approx(0.75)

    def test_neither_word_is_undecided(self):
        assert yes_share([("perhaps", 1.0)]) == 0.5
        assert yes_share([("NO", 0.1)]) == 0.0


class FakeOpenAIClient:
    """Stands in for ``openai.OpenAI``: records the request, answers with fixed top_logprobs."""

    def __init__(self, top: list[tuple[str, float]] | None) -> None:
        self.top, self.requests = top, []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, **request):
        self.requests.append(request)
        content = None if self.top is None else [SimpleNamespace(top_logprobs=[
            SimpleNamespace(token=t, logprob=math.log(p)) for t, p in self.top])]
        return SimpleNamespace(choices=[SimpleNamespace(logprobs=SimpleNamespace(content=content))])


class TestOpenAI:
    def test_one_greedy_token_with_top_logprobs(self):
        client = FakeOpenAIClient([("Yes", 0.6), ("No", 0.2), ("The", 0.1)])
        p = OpenAIYesNo("http://x/v1", "judge", "k", client=client).p_yes(ask("2 + 2 = 4"))
        assert p == pytest.approx(0.75)
        (req,) = client.requests
        assert (req["max_tokens"], req["temperature"], req["logprobs"], req["top_logprobs"]) == (1, 0, True, 20)
        assert req["model"] == "judge" and req["messages"][-1]["role"] == "user"

    def test_a_server_without_logprobs_is_an_error(self):
        with pytest.raises(ValueError, match="returned no logprobs"):
            OpenAIYesNo("http://x/v1", "judge", "k", client=FakeOpenAIClient(None)).p_yes(ask("1 = 1"))


@pytest.mark.slow
@pytest.mark.llm
class TestLlamaCpp:
    def test_follows_the_model_s_next_token(self, qwen_gguf):
        # the 0.5B model leans to "Yes" on any question (why the judge uses the 1.5B), so the
        # reply is dictated here: the probabilities must follow the instruction
        scorer = LlamaCppYesNo(qwen_gguf, n_ctx=512, threads=2)
        said = {w: scorer.p_yes([ChatMessage("system", "You follow instructions exactly."),
                                 ChatMessage("user", f'Reply with the single word "{w}".')]) for w in ("yes", "no")}
        assert said["yes"] > 0.9 and said["no"] < said["yes"] - 0.5

    def test_the_same_prompt_gives_the_same_probability_whatever_came_before(self, qwen_gguf):
        used = LlamaCppYesNo(qwen_gguf, n_ctx=512, threads=2)
        used.p_yes(ask("3 + 3 = 7"))  # shares the system message and most of the question
        fresh = LlamaCppYesNo(qwen_gguf, n_ctx=512, threads=2)
        assert used.p_yes(ask("3 + 3 = 6")) == fresh.p_yes(ask("3 + 3 = 6"))

    def test_a_prompt_longer_than_the_context_is_refused(self, qwen_gguf):
        with pytest.raises(ValueError, match="more than its n_ctx 64"):
            LlamaCppYesNo(qwen_gguf, n_ctx=64, threads=2).p_yes(ask("1 + 1 = 2 " * 40))
