"""Helpers for the case workflow tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.intake import NewReport, submit_report
from app.crypto.keys import PrivateKey, unlock_private_key
from app.crypto.receipts import ReceiptCode
from app.models import AuditEntry, Case, Unit
from app.runtime import Runtime
from tests.conftest import PASSWORD, Staff


def key_of(staff: Staff) -> PrivateKey:
    assert staff.user.private_key_protected is not None  # an enrolled test user
    return unlock_private_key(staff.user.private_key_protected, PASSWORD)


def case_actions(session: Session, number: str) -> list[str]:
    return list(session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "case",
                                        AuditEntry.object_id == number)
        .order_by(AuditEntry.seq)
    ))


@pytest.fixture()
def new_case(session: Session, rt: Runtime,
             units: dict[str, Unit]) -> Callable[..., tuple[Case, ReceiptCode | None]]:
    def make(track: str = "report", unit: str = "kerndepartement", channel: str = "confidential",
             report: dict | None = None, identity: dict | None = None,
             **kwargs: Any) -> tuple[Case, ReceiptCode | None]:
        return submit_report(session, rt, NewReport(
            unit_id=units[unit].id, track=track, channel=channel,
            report=report or {"what": "Mijn leidinggevende schreeuwt", "where": "Den Haag"},
            identity=identity if identity is not None else {"name": "Anna Melder"},
            **kwargs,
        ))

    return make
