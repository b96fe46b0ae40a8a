"""Helpers for the case workflow tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.crypto.keys import unlock_private_key
from app.models import AuditEntry
from tests.conftest import PASSWORD


def key_of(staff):  # type: ignore[no-untyped-def]
    return unlock_private_key(staff.user.private_key_protected, PASSWORD)


def case_actions(session, number: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "case",
                                        AuditEntry.object_id == number)
        .order_by(AuditEntry.seq)
    ))


@pytest.fixture()
def new_case(session, rt, units):  # type: ignore[no-untyped-def]
    def make(track: str = "report", unit: str = "kerndepartement", channel: str = "confidential",
             report: dict | None = None, identity: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        return submit_report(session, rt, NewReport(
            unit_id=units[unit].id, track=track, channel=channel,
            report=report or {"what": "Mijn leidinggevende schreeuwt", "where": "Den Haag"},
            identity=identity if identity is not None else {"name": "Anna Melder"},
            **kwargs,
        ))

    return make
