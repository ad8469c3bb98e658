"""Files only the service account may read, and one-line messages for file-system failures.

The data dir holds password hashes, every conversation, the audit log and the secrets that sign
logins, so it is created 0700 and its secret files 0600. Processes started by the CLI also run
with umask 077, so whatever else they create (Chainlit's files, logs, index versions) is private.

    private_dir(data_dir)                 # 0700, tightened if it was wider
    private_file(data_dir / "x.key")      # created 0600 (never briefly wider)
    describe_os_error(exc)                # "disk full (/data/index/v-3.tmp): free some space and ..."
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077


def restrict_umask() -> None:
    """Files and folders this process (and its children) creates are private from now on."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (created 0700; a wider one is tightened)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner can read: created empty with 0600, or tightened to 0600."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.stat()
        if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.getuid():
            os.chmod(path, mode)
    except OSError as exc:  # a read-only mount: reading still works, so do not fail here
        log.warning("could not restrict the permissions of %s: %s", path, exc)


# errno -> what it means for the user and what to do
_ADVICE = {
    errno.ENOSPC: ("disk full", "free some space and run the command again"),
    errno.EDQUOT: ("disk quota exceeded", "free some space and run the command again"),
    errno.EROFS: ("read-only file system", "use a writable --data-dir (MAINTASSIST_DATA_DIR)"),
    errno.EACCES: ("permission denied", "check the owner and permissions, or use another --data-dir"),
    errno.EPERM: ("operation not permitted", "check the owner and permissions, or use another --data-dir"),
}


def describe_os_error(exc: OSError) -> str | None:
    """One line for a file-system failure a user can fix (disk full, read-only, permissions), else None."""
    advice = _ADVICE.get(exc.errno)
    if advice is None:
        return None
    what, fix = advice
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{what}{where}: {fix}"
