"""The one SQLAlchemy declarative base; every table of the product hangs off it."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
