"""The domain owns the transaction: routes and commands never commit, a
report and a staff registration are one commit each, and the transaction
helper commits at the outermost level only."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases import intake
from app.cases.content import PendingFile
from app.cases.intake import NewReport, Upload, submit_report
from app.cases.registration import Registration, register_report
from app.models import Attachment, AuditEntry, Case, KeyWrap, Receipt, Unit
from app.runtime import Runtime
from app.transactions import transactional, unit_of_work
from tests.conftest import Staff
from tests.file_store import file_store_kind  # noqa: F401 - both file stores

Units = dict[str, Unit]
MakeStaff = Callable[..., Staff]

APP = Path(__file__).resolve().parent.parent / "app"
ON_TOP = (APP / "web", APP / "cli")


class Boom(Exception):
    """The failure a test injects."""


# --- routes and commands never commit -----------------------------------------------


def commit_or_rollback_calls(source: str, filename: str) -> list[str]:
    """Every `.commit(...)` or `.rollback(...)` call in the source."""
    return [
        f"{filename}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_the_walker_finds_a_commit_and_a_rollback_and_nothing_else() -> None:
    sample = (
        "def view():\n"
        "    form = make_form()\n"
        "    db.session.commit()\n"
        "    commit_message(form)\n"
        "    if form.bad:\n"
        "        session.rollback()\n"
    )
    assert commit_or_rollback_calls(sample, "sample.py") == [
        "sample.py:3 .commit()", "sample.py:6 .rollback()"]


def test_no_route_or_command_commits_or_rolls_back() -> None:
    found = [
        call
        for top in ON_TOP
        for path in sorted(top.rglob("*.py"))
        for call in commit_or_rollback_calls(path.read_text(), str(path.relative_to(APP.parent)))
    ]
    assert found == []


# --- a failed submission leaves nothing behind --------------------------------------


def _counts(session: Session) -> dict[str, int]:
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, Receipt, KeyWrap, Attachment, AuditEntry)}


def _files(rt: Runtime) -> tuple[set[str], set[str]]:
    return set(rt.files.file_ids()), set(rt.files.pending_ids())


def _report_with_two_files(rt: Runtime, units: Units) -> NewReport:
    """One upload streamed in as a pending file, one written at submission."""
    pending = PendingFile(rt.files)
    pending.write(b"streamed evidence " * 100)
    return NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="anonymous",
        report={"what": "Declaraties die niet kloppen."},
        uploads=[
            Upload("bon.txt", "text/plain", None, pending=pending),
            Upload("lijst.txt", "text/plain", iter([b"written at submission"])),
        ],
    )


def _fail_the_audit_entry(rt: Runtime, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """The audit log refuses one action, after everything before it was added."""
    record = rt.audit.record

    def failing(session: Session, **fields: Any) -> AuditEntry:
        if fields["action"] == action:
            raise Boom
        return record(session, **fields)

    monkeypatch.setattr(rt.audit, "record", failing)


def _fail_the_receipt(_rt: Runtime, monkeypatch: pytest.MonkeyPatch, _action: str) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise Boom

    monkeypatch.setattr(intake, "attach_receipt", failing)


@pytest.mark.parametrize("fail", [_fail_the_audit_entry, _fail_the_receipt],
                         ids=["audit entry", "receipt"])
def test_a_report_that_fails_halfway_leaves_no_case_row_or_file_behind(
    session: Session, rt: Runtime, units: Units, make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch, fail: Callable[[Runtime, pytest.MonkeyPatch, str], None],
) -> None:
    make_staff("intake")  # so there is a key wrap to leave behind
    before, files_before = _counts(session), _files(rt)
    new = _report_with_two_files(rt, units)
    fail(rt, monkeypatch, "report.submitted")

    with pytest.raises(Boom):
        submit_report(session, rt, new)

    assert _counts(session) == before
    assert _files(rt) == files_before


def test_a_report_that_succeeds_keeps_everything_in_one_commit(
    session: Session, rt: Runtime, units: Units, make_staff: MakeStaff,
) -> None:
    make_staff("intake")
    before, (files_before, _) = _counts(session), _files(rt)

    case, code = submit_report(session, rt, _report_with_two_files(rt, units))
    session.close()  # only what was committed is read back

    after = _counts(session)
    assert code is not None and session.get(Case, case.id) is not None
    assert after["Case"] == before["Case"] + 1 and after["Receipt"] == before["Receipt"] + 1
    assert after["Attachment"] == before["Attachment"] + 2
    assert after["KeyWrap"] > before["KeyWrap"] and after["AuditEntry"] > before["AuditEntry"]
    assert len(_files(rt)[0] - files_before) == 2


def test_a_report_through_the_form_that_fails_halfway_leaves_nothing(
    client: FlaskClient, session: Session, rt: Runtime, units: Units,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.reporting.conftest import report_fields, send

    before, files_before = _counts(session), _files(rt)
    _fail_the_audit_entry(rt, monkeypatch, "report.submitted")

    response = send(client, report_fields(units), files=[(b"gewone tekst\r\n", "b.txt")])

    assert response.status_code == 500
    session.close()
    assert _counts(session) == before
    assert _files(rt) == files_before


# --- a failed staff registration leaves nothing behind ------------------------------


@pytest.mark.parametrize(("roles", "failing_action"), [
    (("intake",), "report.registered"),
    # The VP's registration goes on after the case is complete: acknowledged,
    # with the VP, intake's wraps removed. A failure there undoes the case too.
    (("vertrouwenspersoon",), "case.registered_with_vp"),
], ids=["intake", "vertrouwenspersoon"])
def test_a_staff_registration_that_fails_halfway_leaves_nothing_behind(
    session: Session, rt: Runtime, units: Units, make_staff: MakeStaff,
    monkeypatch: pytest.MonkeyPatch, roles: tuple[str, ...], failing_action: str,
) -> None:
    make_staff("intake")
    staff = make_staff(*roles)
    before, files_before = _counts(session), _files(rt)
    _fail_the_audit_entry(rt, monkeypatch, failing_action)

    with pytest.raises(Boom):
        register_report(session, rt, staff.user, Registration(
            unit_id=units["kerndepartement"].id, track="advice", channel="confidential",
            intake_channel="phone", report={"what": "Telefonisch gemeld."},
            identity={"name": "Melder"}, with_receipt=True,
        ))

    session.close()
    assert _counts(session) == before
    assert _files(rt) == files_before


# --- the transaction helper ---------------------------------------------------------


@pytest.fixture()
def commits(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The session's commits and rollbacks, in order (they still happen)."""
    calls: list[str] = []
    commit, rollback = session.commit, session.rollback

    def counted_commit() -> None:
        calls.append("commit")
        commit()

    def counted_rollback() -> None:
        calls.append("rollback")
        rollback()

    monkeypatch.setattr(session, "commit", counted_commit)
    monkeypatch.setattr(session, "rollback", counted_rollback)
    yield calls


def _unit_codes(app: Flask) -> set[str]:
    """The unit codes committed, read on a connection of its own."""
    with Session(app.extensions["meldpunt.engine"]) as other:
        return set(other.scalars(select(Unit.code)))


@transactional
def _add_unit(session: Session, code: str) -> None:
    session.add(Unit(code=code, name=code, kind="unit"))
    session.flush()


def test_a_transactional_function_commits_when_it_returns(
    app: Flask, session: Session, commits: list[str],
) -> None:
    _add_unit(session, "eigen")

    assert commits == ["commit"]
    assert "eigen" in _unit_codes(app)


def test_nested_transactional_functions_commit_at_the_outermost_level_only(
    app: Flask, session: Session, commits: list[str],
) -> None:
    @transactional
    def outer(session: Session) -> None:
        _add_unit(session, "binnen-een")
        assert commits == []  # the inner function returned without committing
        with unit_of_work(session):
            _add_unit(session, "binnen-twee")
        assert commits == []

    outer(session)

    assert commits == ["commit"]
    assert {"binnen-een", "binnen-twee"} <= _unit_codes(app)


def test_an_exception_rolls_back_everything_and_is_raised_again(
    app: Flask, session: Session, commits: list[str],
) -> None:
    @transactional
    def outer(session: Session) -> None:
        _add_unit(session, "teruggedraaid")
        raise Boom

    with pytest.raises(Boom):
        outer(session)

    assert commits == ["rollback"]
    assert "teruggedraaid" not in _unit_codes(app)


def test_after_a_failed_unit_the_next_one_commits_again(
    app: Flask, session: Session, commits: list[str],
) -> None:
    with pytest.raises(Boom), unit_of_work(session):
        _add_unit(session, "mislukt")
        raise Boom

    _add_unit(session, "gelukt")

    assert commits == ["rollback", "commit"]
    assert "gelukt" in _unit_codes(app) and "mislukt" not in _unit_codes(app)


def test_a_transactional_function_needs_the_session_first() -> None:
    with pytest.raises(TypeError):
        _add_unit("no session", "x")  # type: ignore[arg-type]
