"""User accounts: argon2 password hashes and the three roles.

    users = UserService(Session)
    users.add("ana", "s3cret-pass", role="technician")
    users.verify("ana", "s3cret-pass")   # -> UserInfo or None
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import ROLES, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
MIN_PASSWORD_CHARS = 8


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    created_at: datetime

    @property
    def can_read_all(self) -> bool:
        """Supervisors and admins audit every conversation (read-only)."""
        return self.role in ("supervisor", "admin")


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, role=user.role, created_at=user.created_at)


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
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
        with self._sessions() as session:
            self._require(session, username).password_hash = self._hasher.hash(password)
            session.commit()

    def list(self) -> list[UserInfo]:
        with self._sessions() as session:
            return [_info(u) for u in session.scalars(select(User).order_by(User.username))]

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
