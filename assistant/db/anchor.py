"""The audit log's anchor outside the database: a secret key and a signed checkpoint.

- **Keyed hashes.** Event hashes are HMAC-SHA256 under a key kept in a file (default
  ``DATA_DIR/audit.key``, 0600), never in the database. Someone who can edit the database but
  cannot read the key cannot recompute the chain after editing a row ("re-chaining").
- **Checkpoint.** After every append the head event (id and hash) and the number of events are
  written beside the key (``audit.checkpoint``), signed with the same key. A log cut short (its
  last rows deleted) no longer reaches the checkpoint's head, which ``audit verify`` reports.

A database that held events before the key existed keeps them as an unkeyed chain:
``keyed_from`` names the first keyed event, and the first keyed event hashes the last unkeyed
one, so the old part cannot be re-chained either.

    anchor = AuditAnchor(data_dir / "audit.key")
    anchor.mac("...")                    # hex HMAC-SHA256
    anchor.read()                        # -> Checkpoint | None; AnchorError if its signature is wrong
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

KEY_BYTES = 32


class AnchorError(RuntimeError):
    """The key or the checkpoint file is unreadable or its signature does not match."""


@dataclass(frozen=True)
class Checkpoint:
    head_id: int  # last event id covered (0: none yet)
    head_hash: str
    count: int  # events with id <= head_id
    keyed_from: int  # first event id whose hash is keyed


class AuditAnchor:
    def __init__(self, key_file: Path) -> None:
        self.key_file = Path(key_file)
        self.checkpoint_file = self.key_file.with_suffix(".checkpoint")
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = self._load_or_create_key()
        return self._key

    def mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    # ---- checkpoint -----------------------------------------------------------------------
    def read(self) -> Checkpoint | None:
        try:
            data = json.loads(self.checkpoint_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise AnchorError(f"{self.checkpoint_file}: unreadable audit checkpoint ({exc})") from exc
        body = data.get("checkpoint")
        if not isinstance(body, dict) or not hmac.compare_digest(str(data.get("mac", "")), self.mac(_canonical(body))):
            raise AnchorError(f"{self.checkpoint_file}: the checkpoint's signature does not match the audit key "
                              "(the file was edited, or the key was replaced)")
        try:
            return Checkpoint(**body)
        except TypeError as exc:
            raise AnchorError(f"{self.checkpoint_file}: malformed audit checkpoint ({exc})") from exc

    def write(self, checkpoint: Checkpoint) -> None:
        """Atomic (temp + fsync + rename); call under ``locked()``."""
        from assistant.private_files import private_file

        body = asdict(checkpoint)
        tmp = self.checkpoint_file.with_name(self.checkpoint_file.name + ".tmp")
        tmp.unlink(missing_ok=True)
        private_file(tmp)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"checkpoint": body, "mac": self.mac(_canonical(body))}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.checkpoint_file)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialises checkpoint updates of every process writing this log (server and CLI)."""
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.checkpoint_file.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # ---- key ------------------------------------------------------------------------------
    def _load_or_create_key(self) -> bytes:
        if not self.key_file.exists():
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.key_file.with_name(f".{self.key_file.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, self.key_file)  # create-if-absent with its content: two processes agree on one key
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        try:
            text = self.key_file.read_text(encoding="utf-8").strip()
            key = bytes.fromhex(text)
        except (OSError, ValueError) as exc:
            raise AnchorError(f"{self.key_file}: unreadable audit key ({exc})") from exc
        if len(key) < 16:
            raise AnchorError(f"{self.key_file}: audit key too short ({len(key)} bytes)")
        return key


def _canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
