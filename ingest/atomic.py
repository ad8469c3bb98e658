"""Durable file writes (temp file, fsync, rename) shared by ingest's journal and registry and the index store.

They sit at the bottom layer so ``ingest`` never imports ``index`` to save a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, value: Any, raw: bool = False) -> None:
    """Write ``value`` (JSON, or the raw string when ``raw``) to ``path`` via temp + fsync + os.replace."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(value if raw else json.dumps(value, indent=2, ensure_ascii=False))
        fsync_handle(handle)
    os.replace(tmp, path)


def fsync_handle(handle) -> None:
    """Flush an open file and fsync it, so a later rename never exposes a half-written file."""
    handle.flush()
    os.fsync(handle.fileno())


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    # Directory fsync makes renames durable on POSIX; not supported everywhere (e.g. Windows).
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
