"""Every code of the vocabulary has a label in its one table, in Dutch and
in English: no page shows a code as its own label."""

from __future__ import annotations

from enum import StrEnum

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from app.vocabulary import (
    AuditAction,
    Channel,
    CloseReason,
    CounsellorKind,
    IntakeChannel,
    Measure,
    Outcome,
    ReferralTarget,
    Role,
    State,
    Track,
    UnitKind,
)
from app.web import labels

TABLES: list[tuple[type[StrEnum], dict]] = [  # type: ignore[type-arg]
    (State, labels.STATE_LABELS),
    (Track, labels.TRACK_LABELS),
    (Channel, labels.CHANNEL_LABELS),
    (IntakeChannel, labels.INTAKE_CHANNEL_LABELS),
    (Outcome, labels.OUTCOME_LABELS),
    (Measure, labels.MEASURE_LABELS),
    (CloseReason, labels.CLOSE_REASON_LABELS),
    (ReferralTarget, labels.REFERRAL_LABELS),
    (Role, labels.ROLE_LABELS),
    (AuditAction, labels.AUDIT_ACTION_LABELS),
    (UnitKind, labels.UNIT_KIND_LABELS),
    (CounsellorKind, labels.COUNSELLOR_KIND_LABELS),
]


@pytest.mark.parametrize(("enum", "table"), TABLES, ids=[e.__name__ for e, _t in TABLES])
def test_every_member_of_the_enum_has_a_label_and_nothing_else_does(
        enum: type[StrEnum], table: dict[StrEnum, LazyString]) -> None:
    assert set(table) == set(enum)
    assert all(isinstance(key, enum) for key in table)


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize(("enum", "table"), TABLES, ids=[e.__name__ for e, _t in TABLES])
def test_no_code_is_shown_as_its_own_label(app: Flask, locale: str, enum: type[StrEnum],
                                           table: dict[StrEnum, LazyString]) -> None:
    with app.test_request_context(), force_locale(locale):
        shown = {member: str(table[member]) for member in enum}
    assert [member for member, text in shown.items() if not text or text == member.value] == []


def test_the_dutch_labels_are_dutch(app: Flask) -> None:
    with app.test_request_context(), force_locale("nl"):
        assert labels.state_label(State.WITH_VP) == str(labels.STATE_LABELS[State.WITH_VP])
        assert str(labels.TRACK_LABELS[Track.ADVICE]) != "Advice (confidential counsellor)"
