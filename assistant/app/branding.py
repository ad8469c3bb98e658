"""Our wording in Chainlit's UI: the login form asks for a user name (accounts are plain names,
not e-mail addresses), a wrong password gets a plain sentence, buttons say what they do.

Chainlit reads ``<app root>/.chainlit/translations/<language>.json`` and only creates the files
that are missing, so ``maintassist serve`` writes en-US (Chainlit's own text with
``translations.json`` laid over it) on every start. Other languages keep Chainlit's text.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

OVERRIDES = Path(__file__).resolve().parent / "translations.json"
LANGUAGE = "en-US"


def chainlit_translation(language: str = LANGUAGE) -> dict[str, Any]:
    """Chainlit's packaged translation, located without importing chainlit (slow to import)."""
    spec = importlib.util.find_spec("chainlit")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("chainlit is not installed (pip install -e .)")
    path = Path(spec.submodule_search_locations[0]) / "translations" / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def apply_overrides(translation: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """Set dotted keys ('auth.login.form.email.label') in a nested translation dict."""
    for dotted, text in overrides.items():
        if dotted.startswith("_"):
            continue
        node = translation
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = text
    return translation


def write_translations(app_root: Path) -> Path:
    """Write the merged en-US translation into a Chainlit app root (atomically)."""
    folder = app_root / ".chainlit" / "translations"
    folder.mkdir(parents=True, exist_ok=True)
    merged = apply_overrides(chainlit_translation(), json.loads(OVERRIDES.read_text(encoding="utf-8")))
    path = folder / f"{LANGUAGE}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path
