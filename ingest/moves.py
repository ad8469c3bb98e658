"""A file the index already holds under another path: a moved folder, or a second copy.

Sources are keyed by their absolute path, so a folder moved (or the same files reached through
another checkout) and ingested again would be indexed twice, and the copies would then fill the top
of every ranking. A file with the same name and the same bytes as an indexed one is the same
document: when the indexed path is gone the file has moved (the old entry is replaced), when it is
still there the new path is a copy and is left out. A file with the same bytes under another name
is kept: its name may tag another asset ("press-2 manual.pdf").

    same = SameFiles(store.source_hashes(), exists=lambda s: Path(s).exists())
    same.copy_of("/new/manuals/press.pdf", file_hash)  # -> "/old/manuals/press.pdf" or None
    same.moved  # {"/new/manuals/pump.pdf": ["/old/manuals/pump.pdf"]}: old entries to delete
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Callable, Mapping


class SameFiles:
    """Config (the indexed sources and a file-exists test) in __init__; one new file per ``copy_of`` call."""

    def __init__(self, indexed: Mapping[str, str], exists: Callable[[str], bool]) -> None:
        self.exists = exists
        self._indexed: dict[tuple[str, str], list[str]] = {}
        for source, file_hash in indexed.items():
            self._indexed.setdefault(_key(source, file_hash), []).append(source)
        self._new: dict[tuple[str, str], str] = {}  # files of this run, first one kept
        self.moved: dict[str, list[str]] = {}  # new source -> indexed sources whose files are gone

    def copy_of(self, source: str, file_hash: str) -> str | None:
        """The source ``source`` copies (indexed and still on disk, or read earlier in this run), else None."""
        key = _key(source, file_hash)
        if key in self._new:
            return self._new[key]
        others = [s for s in self._indexed.get(key, []) if s != source]
        present = [s for s in others if self.exists(s)]
        self._new[key] = present[0] if present else source
        if present:
            return present[0]
        if others:
            self.moved[source] = others
        return None


def _key(source: str, file_hash: str) -> tuple[str, str]:
    # the bytes' sha256, whichever reader version or chunk settings were recorded before it
    return PurePosixPath(source).name, file_hash.rsplit(":", 1)[-1]
