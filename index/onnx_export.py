"""Export a local sentence-transformers model to one ONNX file that maps token ids to unit vectors.

Run once per data dir by ``assistant.models.onnx_embedding_path`` (which caches and verifies the
result), never at import. Steps:

1. load the transformer from the local folder (``local_files_only``: no hub);
2. wrap it with the folder's mean pooling and L2 normalisation, so the graph's output is the
   sentence embedding itself and the runtime needs neither torch nor a pooling step;
3. ``torch.onnx.export(..., dynamo=True)`` (the maintained exporter since torch 2.9) with dynamic
   batch and sequence axes;
4. onnxruntime's BERT graph optimizer fuses LayerNorm and bias + GELU (about 7 % less CPU per
   chunk, measured). It cannot fuse attention in a dynamo graph; the TorchScript exporter's graph
   fuses fully and ran 25 % faster, but that exporter is deprecated since torch 2.9 and to be removed;
5. for ``onnx-int8``: ``onnxruntime.quantization.quantize_dynamic`` — int8 weights per output
   channel, activations quantised per batch at run time. Per-tensor weights lost too much
   (mean cosine to fp32 0.936 vs 0.993 per channel on 637 manual chunks, benchmarks/README.md).

``optimum`` is the other maintained route, but every optimum-onnx release on PyPI pins
transformers < 4.58, which would downgrade the project's transformers 5.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

VARIANTS = ("onnx", "onnx-int8")
RECIPE = "r1"  # bump when the export or quantisation steps change: it is part of the embedder id
OPSET = 18


def max_seq_length(model_dir: Path) -> int:
    """The token limit sentence-transformers applies (sentence_bert_config.json), else 512."""
    config = Path(model_dir) / "sentence_bert_config.json"
    if config.exists():
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    return 512


def check_mean_pooling(model_dir: Path) -> None:
    """The exported graph does mean pooling; refuse a model that pools otherwise."""
    config = Path(model_dir) / "1_Pooling" / "config.json"
    if not config.exists():
        return  # sentence-transformers itself falls back to mean pooling without a pooling config
    pooling = json.loads(config.read_text(encoding="utf-8"))
    others = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]
    if others or not pooling.get("pooling_mode_mean_tokens", True):
        raise ValueError(f"{config}: the ONNX embedder supports mean pooling only, this model uses {others}; "
                         "set embedding.backend=torch")


def export(model_dir: Path, target: Path, variant: str) -> None:
    """Write the ONNX model of ``variant`` (``onnx`` fp32 or ``onnx-int8``) for ``model_dir`` to ``target``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: use one of {VARIANTS}")
    model_dir, target = Path(model_dir), Path(target)
    check_mean_pooling(model_dir)
    with tempfile.TemporaryDirectory(prefix=".onnx-export-", dir=target.parent) as tmp:
        exported, fp32 = Path(tmp) / "exported.onnx", target if variant == "onnx" else Path(tmp) / "fp32.onnx"
        with _quiet():
            _export_fp32(model_dir, exported)
            _fuse(exported, fp32)
            if variant == "onnx-int8":
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(fp32, target, weight_type=QuantType.QInt8, per_channel=True, reduce_range=False)


def _export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    class MeanPooled(torch.nn.Module):
        """Transformer + mean over real tokens + L2 norm: sentence-transformers' Pooling and Normalize."""

        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = MeanPooled(AutoModel.from_pretrained(str(model_dir), local_files_only=True)).eval()
    # Two distinct tensors: passing one object twice lets torch.export alias the two inputs.
    ids, mask = torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long)
    # A sequence always holds [CLS] and [SEP], so 2 is the shortest; the tokenizer truncates at the limit.
    batch, seq = torch.export.Dim("batch", min=1), torch.export.Dim("seq", min=2, max=max_seq_length(model_dir))
    with torch.no_grad():
        program = torch.onnx.export(
            model, (ids, mask), None, input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"], opset_version=OPSET, dynamo=True, verbose=False,
            dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
        )
    program.save(str(target), external_data=False)


def _fuse(source: Path, target: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    # opt_level 1: onnxruntime's hardware-independent rewrites, then the Python BERT fusions.
    optimize_model(str(source), model_type="bert", opt_level=1).save_model_to_file(str(target))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter, the optimizer, the quantiser and transformers print progress bars and warnings
    (optional packages such as torchvision, pre-processing advice) that a user ingesting files
    cannot act on.

    ``logging.disable`` is process-wide: warnings of other threads are dropped too for the few
    seconds the export takes, once per data dir. torch configures its own module loggers, so
    raising one parent's level is not enough.
    """
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    previous, handlers = logging.root.manager.disable, list(logging.root.handlers)
    logging.disable(logging.WARNING)
    try:
        # onnxruntime's optimizer also print()s ("failed in shape inference": it falls back to ONNX's own)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)
        # The quantiser calls logging.warning(), which installs a root handler (basicConfig) as a side
        # effect; left in place, every library's DEBUG lines (bm25s) would reach the terminal after it.
        logging.root.handlers[:] = handlers
        hf_logging.enable_progress_bar()
