"""Convert a peft LoRA adapter into a GGUF LoRA file that llama.cpp (``lora_path=``) applies.

Layout llama.cpp expects (``llama-adapter.cpp``): KV ``general.type=adapter``, ``adapter.type=lora``,
``adapter.lora.alpha``, ``general.architecture`` equal to the base model's; per adapted weight
``blk.N.<name>.weight.lora_a`` with ggml shape ``[n_in, r]`` and ``.lora_b`` with ``[r, n_out]``. ggml
lists dimensions in reverse, so peft's ``lora_A`` (r, n_in) and ``lora_B`` (n_out, r) are written
as they are. llama.cpp scales by ``alpha / r`` like peft.

One wrinkle: for the llama architecture the HF->GGUF converter permutes the rows of ``q_proj`` and
``k_proj`` (rotary layout), and transformers undoes that when it loads a GGUF. A LoRA trained in
transformers therefore lives in HF row order; its ``lora_B`` must get the same row permutation
before llama.cpp adds it to the GGUF weight. Qwen2 is not permuted.

>>> convert_adapter(Path("adapter"), Path("adapter/adapter.gguf"), base_gguf=Path("base.gguf"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_KEY = re.compile(r"^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$")
_PERMUTED = {"llama": ("q_proj", "k_proj")}  # architectures whose GGUF q/k rows are permuted


def _permute(w: Any, n_head: int) -> Any:
    """The HF->GGUF rotary row permutation (llama.cpp ``convert_hf_to_gguf.LlamaModel.permute``)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def base_architecture(base_gguf: Path) -> tuple[str, dict[str, int]]:
    """``general.architecture`` and head counts of the base GGUF (read from its header only)."""
    import gguf

    reader = gguf.GGUFReader(str(base_gguf))
    arch = _field(reader, "general.architecture")
    heads = {k: int(_field(reader, f"{arch}.{k}")) for k in ("attention.head_count", "attention.head_count_kv")
             if f"{arch}.{k}" in reader.fields}
    return str(arch), heads


def _field(reader: Any, key: str) -> Any:
    f = reader.fields[key]
    return f.contents() if hasattr(f, "contents") else bytes(f.parts[f.data[0]]).decode()


def convert_adapter(adapter_dir: Path, out_path: Path, *, base_gguf: Path | None = None,
                    arch: str | None = None, heads: dict[str, int] | None = None) -> Path:
    """Write ``out_path`` (GGUF LoRA) from the peft folder ``adapter_dir``; returns ``out_path``.

    The architecture and head counts come from ``base_gguf``; ``arch``/``heads`` stand in for it when
    there is no GGUF (tiny test models).
    """
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    adapter_dir, out_path = Path(adapter_dir), Path(out_path)
    config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    if config.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"{adapter_dir}: only LoRA adapters convert to GGUF, got {config.get('peft_type')}")
    if config.get("use_rslora") or config.get("use_dora"):
        raise ValueError(f"{adapter_dir}: rsLoRA/DoRA scaling has no llama.cpp equivalent; train plain LoRA")
    if base_gguf is not None:
        arch, heads = base_architecture(base_gguf)
    if not arch:
        raise ValueError("convert_adapter needs base_gguf or arch")
    heads = heads or {}
    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    n_blocks = 1 + max(int(m.group(1)) for k in weights if (m := re.search(r"layers\.(\d+)\.", k)))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch.upper()], n_blocks)

    tensors: dict[str, np.ndarray] = {}
    for key in sorted(weights):
        m = _KEY.match(key)
        if not m:
            raise ValueError(f"{adapter_dir}: unexpected tensor {key!r} (modules_to_save is not supported)")
        module, ab = m.groups()
        target = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if target is None:
            raise ValueError(f"{adapter_dir}: no GGUF name for {module!r} in architecture {arch}")
        w = weights[key].astype(np.float32)
        if ab == "B" and module.rsplit(".", 1)[-1] in _PERMUTED.get(arch, ()):
            n_head = heads["attention.head_count" if module.endswith("q_proj") else "attention.head_count_kv"]
            w = _permute(w, n_head)
        tensors[f"{target}.lora_{ab.lower()}"] = np.ascontiguousarray(w)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    writer = gguf.GGUFWriter(str(tmp), arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(config["lora_alpha"]))
    writer.add_string("general.name", adapter_dir.name)
    for name, array in tensors.items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out_path)
    return out_path


def read_adapter(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> ggml shape of a GGUF LoRA file (for checks and tests)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    return {t.name: tuple(int(x) for x in t.shape) for t in reader.tensors}
