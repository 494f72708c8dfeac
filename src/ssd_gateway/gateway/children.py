"""What the gateway knows about each child: birth date, municipality, custody holders.

Records such as a receipt, a feedback answer or a handover carry only the child's id; the
policy engine still needs the child's age and municipality. Every record that carries a full
``Child`` updates this register, so later decisions about the same child can be made.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.db import Base
from ssd_gateway.exceptions import NotFound
from ssd_gateway.model import Child


class ChildRow(Base):
    """The last known facts about one child (no name, no address)."""

    __tablename__ = "children"
    child_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    birth_date: Mapped[date] = mapped_column(Date)
    municipality: Mapped[str] = mapped_column(String(4))
    custody_holders: Mapped[str] = mapped_column(Text)


def remember_child(session: Session, child: Child) -> None:
    """Record (or refresh) the facts about ``child``."""
    row = session.get(ChildRow, child.id) or ChildRow(child_id=child.id)
    row.birth_date, row.municipality = child.birth_date, child.municipality
    row.custody_holders = json.dumps([p.id for p in child.custody_holders])
    session.merge(row)


def child_facts(session: Session, child_id: str) -> dict[str, Any]:
    """The child as a decision request's ``child`` object; NotFound if never seen."""
    row = session.get(ChildRow, child_id)
    if row is None:
        raise NotFound("the gateway has no earlier record about this child")
    return {"id": row.child_id, "birth_date": row.birth_date.isoformat(),
            "municipality": row.municipality,
            "custody_holders": json.loads(row.custody_holders)}


def facts_of(child: Child) -> dict[str, Any]:
    """A full Child as a decision request's ``child`` object."""
    return {"id": child.id, "birth_date": child.birth_date.isoformat(),
            "municipality": child.municipality,
            "custody_holders": [p.id for p in child.custody_holders]}
