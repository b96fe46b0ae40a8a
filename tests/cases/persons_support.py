"""Helpers for the persons-concerned tests (issue #24): a formal report on
the desk of an integrity coordinator, and that coordinator's keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.cases import custody
from app.cases.persons import PersonDetails, add_person
from app.cases.workflow import perform
from app.crypto.compartments import CaseKeys
from app.models import Case, PersonConcerned
from app.runtime import Runtime
from app.vocabulary import PersonRole
from tests.cases.conftest import key_of
from tests.conftest import Staff


def formal_report_with_ic(session: Session, rt: Runtime, make_staff: Callable[..., Staff],
                          new_case: Callable[..., Any], *, unit: str = "kerndepartement",
                          ic: Staff | None = None, intake: Staff | None = None,
                          **case_args: Any) -> tuple[Case, Staff]:
    """A formal report, acknowledged and routed to the unit's integrity
    coordinator (made here unless given)."""
    intake = intake or make_staff("intake")
    ic = ic or make_staff("integriteitscoordinator", unit=unit)
    case, _code = new_case(unit=unit, **case_args)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    return case, ic


def keys(session: Session, case: Case, staff: Staff) -> CaseKeys:
    return custody.open_case_key(session, case, staff.user, key_of(staff))


def concerned(session: Session, rt: Runtime, case: Case, staff: Staff, name: str,
              role: PersonRole = PersonRole.ACCUSED, function: str = "teamleider",
              unit: str = "Directie Inkoop") -> PersonConcerned:
    row, _excluded = add_person(session, rt, case, keys(session, case, staff), staff.user,
                                PersonDetails(name=name, function=function, unit=unit,
                                              role=role))
    return row


def two_cases_naming_one_person(session: Session, rt: Runtime,
                                make_staff: Callable[..., Staff], new_case: Callable[..., Any],
                                ) -> tuple[tuple[Case, Staff, PersonConcerned],
                                           tuple[Case, Staff, PersonConcerned]]:
    """Two formal reports, each with its own integrity coordinator (units
    kerndepartement and rivm), naming one person spelled differently."""
    intake = make_staff("intake")
    case_a, ic_a = formal_report_with_ic(session, rt, make_staff, new_case, intake=intake)
    case_b, ic_b = formal_report_with_ic(session, rt, make_staff, new_case, unit="rivm",
                                         intake=intake)
    a = concerned(session, rt, case_a, ic_a, "Zoë van den Berg")
    b = concerned(session, rt, case_b, ic_b, "  zoe VAN DEN  berg")
    return (case_a, ic_a, a), (case_b, ic_b, b)
