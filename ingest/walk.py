"""The files under an ingest folder, following symlinked folders without looping.

``Path.rglob`` (before Python 3.13) does not descend into a symlinked folder, so a folder of
manuals linked into the corpus was skipped without a word. Here links are followed, each real
folder is visited once (a link back to a parent is reported, not followed again), and a broken
link is reported too.

    notes: list[str] = []
    files = walk_files(Path("corpus"), notes)
    # notes: ["skipped: corpus/manuals/loop: links to a folder already included (/srv/corpus)", ...]
"""

from __future__ import annotations

import os
from pathlib import Path


def walk_files(root: Path, notes: list[str]) -> list[Path]:
    """Sorted file paths under ``root`` (as reached through links, not resolved); a line is added
    to ``notes`` for each link that was not followed."""
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path) -> None:
        st = folder.stat()
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            notes.append(f"skipped: {folder}: {exc.strerror or exc}")
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir():  # follows links
                    target = entry.stat()
                    if (target.st_dev, target.st_ino) in seen:
                        notes.append(f"skipped: {path}: links to a folder already included ({os.path.realpath(path)})")
                        continue
                    visit(path)
                elif entry.is_file():
                    files.append(path)
                elif entry.is_symlink():
                    notes.append(f"skipped: {path}: broken symlink")
            except OSError as exc:
                notes.append(f"skipped: {path}: {exc.strerror or exc}")

    visit(Path(root))
    return sorted(files)
