"""Choosing a new case's first holders (issue #26: a submission's time
outside key derivation): each holder's endorsement is verified once, not
once to choose them and again to wrap the case for them, and a revocation
made while the results are remembered is still seen."""

from __future__ import annotations

from sqlalchemy import event

from app.accounts import trust
from app.models import KeyWrap
from app.vocabulary import Role


def _statements(session, table: str):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def listen(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", listen)
    return seen, lambda: event.remove(engine, "before_cursor_execute", listen)


def test_each_first_holder_is_verified_once(session, new_case, make_staff):
    officers = [make_staff("intake") for _ in range(3)]
    seen, stop = _statements(session, "key_endorsement")
    try:
        case, _code = new_case()
    finally:
        stop()
    held = {wrap.user_id for wrap in session.query(KeyWrap).filter_by(case_id=case.id)}
    assert {o.user.id for o in officers} <= held
    assert len(seen) == len(officers)


def test_a_revocation_inside_the_block_is_seen(session, rt, make_staff):
    vp = make_staff("vertrouwenspersoon")
    with trust.remembered(session):
        assert trust.endorsed(session, rt, vp.user, Role.VP)
        trust.revoke(session, rt, vp.user)
        assert not trust.endorsed(session, rt, vp.user, Role.VP)
    session.rollback()
