"""User accounts: argon2 password hashes, the three roles, and account states.

Every login token carries the account's ``token_version``; the server compares it with the
database on each request. Logging out, changing the password, disabling or deleting the account
raise it, which ends every session of that account at once.

    users = UserService(Session)
    users.add("ana", "s3cret-pass", role="technician")
    users.verify("ana", "s3cret-pass")   # -> UserInfo or None (also None when disabled or deleted)
    users.disable("ana")                 # sessions end now; `enable` lets her log in again
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import ROLES, User, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
MIN_PASSWORD_CHARS = 8


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    created_at: datetime
    token_version: int = 0
    disabled: bool = False
    deleted: bool = False

    @property
    def can_read_all(self) -> bool:
        """Supervisors and admins audit every conversation (read-only)."""
        return self.role in ("supervisor", "admin")

    @property
    def active(self) -> bool:
        """May log in and keep a session."""
        return not (self.disabled or self.deleted)

    @property
    def status(self) -> str:
        return "deleted" if self.deleted else "disabled" if self.disabled else "active"


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, role=user.role, created_at=user.created_at,
                    token_version=user.token_version or 0, disabled=bool(user.disabled),
                    deleted=user.deleted_at is not None)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


class UserService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        from argon2 import PasswordHasher

        self._sessions = sessions
        self._hasher = PasswordHasher()

    def add(self, username: str, password: str, role: str = "technician") -> UserInfo:
        _check_username(username)
        _check_role(role)
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
        with self._sessions() as session:
            old = session.scalar(select(User).where(User.username == username))
            if old is not None and old.deleted_at is not None:
                # The name stays with the deleted account: the audit log and its threads name it.
                raise ValueError(f"user {username!r} was deleted on {old.deleted_at:%Y-%m-%d}; choose another name")
            user = User(username=username, password_hash=self._hasher.hash(password), role=role)
            session.add(user)
            try:
                session.commit()
            except IntegrityError as exc:
                raise ValueError(f"user {username!r} already exists") from exc
            return _info(user)

    def verify(self, username: str, password: str) -> UserInfo | None:
        """The user when the password matches; None otherwise (unknown user or wrong password)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self._sessions() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                # Hash anyway so response time does not reveal which usernames exist.
                self._hasher.hash(password)
                return None
            try:
                self._hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if user.disabled or user.deleted_at is not None:
                return None
            if self._hasher.check_needs_rehash(user.password_hash):
                user.password_hash = self._hasher.hash(password)
                session.commit()
            return _info(user)

    def get(self, username: str) -> UserInfo | None:
        with self._sessions() as session:
            user = session.scalar(select(User).where(User.username == username))
            return _info(user) if user else None

    def get_by_id(self, user_id: int) -> UserInfo | None:
        with self._sessions() as session:
            user = session.get(User, user_id)
            return _info(user) if user else None

    def set_role(self, username: str, role: str) -> UserInfo:
        _check_role(role)
        with self._sessions() as session:
            user = self._require(session, username)
            user.role = role
            session.commit()
            return _info(user)

    def set_password(self, username: str, password: str) -> None:
        """New password; every existing session of the account ends."""
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
        with self._sessions() as session:
            user = self._require(session, username)
            user.password_hash = self._hasher.hash(password)
            user.token_version = (user.token_version or 0) + 1
            session.commit()

    def revoke_sessions(self, username: str) -> UserInfo:
        """End every session of the account (logout): tokens issued before now stop working."""
        return self._update(username, lambda user: None)

    def disable(self, username: str) -> UserInfo:
        """Refuse logins and end the account's sessions; ``enable`` undoes it."""
        return self._update(username, lambda user: setattr(user, "disabled", True))

    def enable(self, username: str) -> UserInfo:
        return self._update(username, lambda user: setattr(user, "disabled", False))

    def delete(self, username: str) -> UserInfo:
        """Delete the account: its password is erased and it can never log in again.

        The row stays because threads and audit events refer to it, and the name cannot be given
        to a new account, so old audit entries never point at someone else.
        """
        def erase(user: User) -> None:
            user.deleted_at = user.deleted_at or utcnow()
            user.disabled = True
            user.password_hash = "!deleted"  # no argon2 hash: verify() can never succeed
        return self._update(username, erase)

    def session_state(self, username: str) -> tuple[int, bool] | None:
        """(token_version, active) of an account, read on every request; None when there is no such user."""
        with self._sessions() as session:
            row = session.execute(select(User.token_version, User.disabled, User.deleted_at)
                                  .where(User.username == username)).first()
        if row is None:
            return None
        return row.token_version or 0, not row.disabled and row.deleted_at is None

    def list(self, include_deleted: bool = False) -> list[UserInfo]:
        query = select(User).order_by(User.username)
        if not include_deleted:
            query = query.where(User.deleted_at.is_(None))
        with self._sessions() as session:
            return [_info(u) for u in session.scalars(query)]

    def _update(self, username: str, change) -> UserInfo:
        with self._sessions() as session:
            user = self._require(session, username)
            change(user)
            user.token_version = (user.token_version or 0) + 1
            session.commit()
            return _info(user)

    def ensure_admin(self, username: str = "admin") -> str | None:
        """On a database without users, create ``admin`` and return its generated password (shown once)."""
        with self._sessions() as session:
            if session.scalar(select(func.count()).select_from(User)):
                return None
        password = generate_password()
        try:
            self.add(username, password, role="admin")
        except ValueError:
            return None  # another process created it first
        return password

    @staticmethod
    def _require(session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise LookupError(f"no user named {username!r}")
        return user


def _check_username(username: str) -> None:
    if not USERNAME_RE.match(username or ""):
        raise ValueError(f"invalid username {username!r}: use letters, digits, '.', '_', '@', '-' (max 128)")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"invalid role {role!r}: choose one of {', '.join(ROLES)}")
