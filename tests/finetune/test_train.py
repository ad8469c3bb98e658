"""Training steps and adapter conversion on a TINY, RANDOMLY INITIALISED Llama model.

The weights are random on purpose: these tests check the loop (masking, determinism, loss going
down, save -> GGUF round trip), not language quality, and must run in seconds on a CPU. The
tokenizer is the real SmolLM2 one, read from the bundled GGUF (local files only).
"""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from finetune.config import LoraArgs, TrainArgs  # noqa: E402
from finetune.convert import convert_adapter, read_adapter  # noqa: E402
from finetune.dataset import DatasetBuilder  # noqa: E402
from finetune.train import TrainInputs, add_lora, encode, save_adapter, seed_everything, train_loop  # noqa: E402
from tests.finetune.conftest import make_corpus  # noqa: E402

LORA = LoraArgs(r=4, alpha=8, dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj"])


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from assistant.models import ModelNotAvailable, llm_gguf_path

    try:
        gguf = llm_gguf_path("smollm2-135m", tmp_path_factory.mktemp("models"))
    except ModelNotAvailable as exc:
        pytest.skip(str(exc))
    return transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)


@pytest.fixture(scope="module")
def items(tokenizer):
    result = DatasetBuilder().build(make_corpus())
    train = [x for ex in result.examples if ex.split == "train" and (x := encode(tokenizer, ex, 1024))][:6]
    val = [x for ex in result.examples if ex.split == "val" and (x := encode(tokenizer, ex, 1024))][:2]
    return train, val


def tiny_model(tokenizer, seed: int = 0):
    """Random weights on purpose (see module docstring)."""
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                      num_key_value_heads=2, intermediate_size=64, vocab_size=len(tokenizer),
                                      max_position_embeddings=2048)
    return add_lora(transformers.LlamaForCausalLM(config), LORA)


def run(tokenizer, items, seed: int = 0, steps: int = 8):
    seed_everything(seed)
    model = tiny_model(tokenizer, seed)
    args = TrainArgs(lr=5e-2, max_steps=steps, epochs=3, grad_accum=1, eval_every=4, warmup_steps=1, seed=seed, device="cpu")
    return model, train_loop(model, items[0], items[1], args, "cpu", tokenizer.eos_token_id)


def test_encode_masks_the_prompt(tokenizer):
    ex = DatasetBuilder().build(make_corpus()).examples[0]
    item = encode(tokenizer, ex, 2048)
    answer_ids = [t for t, lab in zip(item["input_ids"], item["labels"]) if lab != -100]
    assert tokenizer.decode(answer_ids).startswith(ex.answer)
    assert item["labels"][0] == -100
    assert encode(tokenizer, ex, 32) is None  # too long: dropped, never truncated


def test_loss_decreases_and_is_deterministic(tokenizer, items):
    _, first = run(tokenizer, items)
    _, second = run(tokenizer, items)
    assert first.steps == 8 and len(first.val_curve) == 2
    assert sum(first.losses[-3:]) / 3 < first.losses[0]
    assert first.losses == pytest.approx(second.losses, rel=1e-5)
    assert first.val_curve[-1][1] == pytest.approx(second.val_curve[-1][1], rel=1e-5)


def test_save_convert_read_back(tokenizer, items, tmp_path):
    model, result = run(tokenizer, items, steps=2)
    out = save_adapter(model, TrainInputs(examples=tmp_path / "d.jsonl", out_dir=tmp_path / "adapter",
                                          model_dir=tmp_path, dataset_hash="abc"), LORA, TrainArgs(), result)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["dataset_hash"] == "abc" and meta["lora"]["r"] == 4 and len(meta["loss_curve"]) == 2
    assert (out / "loss_curve.png").stat().st_size > 1000
    assert json.loads((out / "base_config.json").read_text())["architectures"] == ["LlamaForCausalLM"]

    gguf_path = convert_adapter(out, tmp_path / "adapter.gguf", arch="llama",
                                heads={"attention.head_count": 4, "attention.head_count_kv": 2})
    shapes = read_adapter(gguf_path)
    # ggml lists dims reversed: lora_a [n_in, r], lora_b [r, n_out]
    assert shapes["blk.0.attn_q.weight.lora_a"] == (32, 4)
    assert shapes["blk.0.attn_q.weight.lora_b"] == (4, 32)
    assert shapes["blk.1.attn_k.weight.lora_b"] == (4, 16)  # 2 kv heads x 8 dims
    assert len(shapes) == 2 * 3 * 2  # 2 layers x 3 modules x (a, b)

    import gguf

    reader = gguf.GGUFReader(str(gguf_path))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.lora.alpha"].contents() == 8.0


def test_balanced_epoch_lets_kinds_take_turns_and_keeps_every_example():
    from finetune.train import epoch_order

    train = [{"kind": "work_order"}] * 12 + [{"kind": "decline"}] * 3 + [{"kind": "procedure"}] * 2
    order = epoch_order(train, torch.Generator().manual_seed(0), balance_kinds=True)
    assert sorted(order) == list(range(len(train)))  # a permutation: nothing dropped or repeated
    first_round = {train[i]["kind"] for i in order[:3]}
    assert first_round == {"work_order", "decline", "procedure"}  # the rare kinds come early
    assert [train[i]["kind"] for i in order[:6]].count("procedure") == 2
    again = epoch_order(train, torch.Generator().manual_seed(0), balance_kinds=True)
    assert again == order  # seeded
    plain = epoch_order(train, torch.Generator().manual_seed(0), balance_kinds=False)
    assert sorted(plain) == list(range(len(train)))
