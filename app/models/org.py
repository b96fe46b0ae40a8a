"""Organisation units and external bureaus."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, code_column
from app.vocabulary import UnitKind


class Unit(Base):
    """A part of the ministry (kerndepartement, an agency), the pool of external
    vertrouwenspersonen ("extern"), or an external investigation bureau."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(code_column(UnitKind, 20), default=UnitKind.UNIT)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
