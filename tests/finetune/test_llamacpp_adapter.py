"""The GGUF LoRA converted from a few-step smollm2-135m adapter loads in llama.cpp and changes its answer."""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.llm]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TRAINED = "Set the relief valve to 235 bar [1]. Zebra check done [1]."


def test_converted_adapter_changes_llamacpp_output(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    llama_cpp = pytest.importorskip("llama_cpp")
    from assistant.models import ModelNotAvailable, llm_gguf_path
    from finetune.config import LoraArgs, TrainArgs
    from finetune.convert import convert_adapter
    from finetune.examples import Example
    from finetune.train import (TrainInputs, add_lora, encode, messages_for, save_adapter, seed_everything,
                                train_loop)

    try:
        gguf = llm_gguf_path("smollm2-135m", tmp_path / "models")
    except ModelNotAvailable as exc:
        pytest.skip(str(exc))
    seed_everything(0)
    kw = {"gguf_file": gguf.name, "local_files_only": True}
    tok = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), **kw)
    model = transformers.AutoModelForCausalLM.from_pretrained(str(gguf.parent), dtype=torch.float32, **kw)
    lora = LoraArgs(r=8, alpha=16, dropout=0.0)  # q, k, v, o: k exercises the llama row permutation
    model = add_lora(model, lora)
    ex = Example("What is the relief valve setting?", [{"label": "press.md", "text": "Relief valve: 235 bar"}],
                 TRAINED, "fact", 1)
    item = encode(tok, ex, 512)
    args = TrainArgs(lr=3e-3, max_steps=12, epochs=12, grad_accum=1, warmup_steps=1, device="cpu")
    result = train_loop(model, [item], [], args, "cpu", tok.eos_token_id)
    assert result.losses[-1] < 0.2 * result.losses[0]
    out = save_adapter(model, TrainInputs(examples=tmp_path / "d.jsonl", out_dir=tmp_path / "adapter",
                                          model_dir=gguf.parent, gguf_file=gguf.name), lora, args, result)
    adapter = convert_adapter(out, tmp_path / "adapter.gguf", base_gguf=gguf)

    def greedy(lora_path=None) -> str:
        llm = llama_cpp.Llama(model_path=str(gguf), lora_path=lora_path, n_ctx=512, n_threads=2, seed=0,
                              verbose=False)
        reply = llm.create_chat_completion(messages=messages_for(ex), max_tokens=24, temperature=0.0)
        return reply["choices"][0]["message"]["content"]

    before, after = greedy(), greedy(str(adapter))
    assert before != after
    # The trained answer comes back through llama.cpp: the conversion kept shapes, order and scale.
    assert after.startswith("Set the relief valve to 235 bar [1]"), after

    # The same adapter through the default runtime: the supervised llama.cpp child loads it.
    from assistant.llm.base import generate
    from assistant.llm.llama_server import LlamaServer, LlamaServerGenerator
    from assistant.types import ChatMessage

    server = LlamaServer(gguf, n_ctx=512, threads=2, lora_path=adapter, log_path=tmp_path / "llm.log", seed=0, flash_attn=False, start_timeout_s=120.0)
    try:
        served = generate(LlamaServerGenerator(server, max_tokens=24, temperature=0.0, seed=0),
                          [ChatMessage(m["role"], m["content"]) for m in messages_for(ex)])
    finally:
        server.stop()
    assert served.startswith("Set the relief valve to 235 bar [1]"), served
