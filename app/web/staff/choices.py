"""Choices for the staff forms (categories, units, people to route to)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import trust
from app.cases import typology
from app.models import Unit, User, UserRole
from app.runtime import Runtime
from app.vocabulary import Role, UnitKind
from app.web.typology_labels import kind_label, label_for


def category_choices() -> list[tuple[str, str]]:
    return [(kind.code, str(kind_label(kind.code))) for kind in typology.CATEGORIES]


def signal_type_choices() -> list[tuple[str, str]]:
    """Categories, with the unwanted-behaviour subtypes spelled out: "cat/sub"."""
    choices: list[tuple[str, str]] = []
    for kind in typology.CATEGORIES:
        if kind.subtypes:
            choices += [(f"{kind.code}/{sub.code}",
                         f"{kind_label(kind.code)}: {kind_label(sub.code)}")
                        for sub in kind.subtypes]
        else:
            choices.append((kind.code, str(kind_label(kind.code))))
    return choices


def subcategory_choices() -> list[tuple[str, str]]:
    return [(sub.code, str(kind_label(sub.code))) for kind in typology.CATEGORIES
            for sub in kind.subtypes]


def category_label(code: str | None) -> str:
    if not code:
        return "–"
    return label_for(code)


def unit_choices(session: Session) -> list[tuple[int, str]]:
    """The ministry's units: what a case is about. Not the pool of external
    counsellors, the home of central ones or an external bureau."""
    return [(u.id, u.name) for u in session.scalars(
        select(Unit).where(Unit.active, Unit.kind == UnitKind.UNIT).order_by(Unit.name))]


def bureau_choices(session: Session) -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in session.scalars(
        select(Unit).where(Unit.active, Unit.kind == UnitKind.BUREAU).order_by(Unit.name))]


def people_with_role(session: Session, rt: Runtime, role: str) -> list[User]:
    """Colleagues a case can be passed to in this role: only those whose key
    is endorsed (app/accounts/trust.py)."""
    return trust.only_endorsed(session, rt, session.scalars(
        select(User).join(UserRole).where(UserRole.role == role, User.active)
        .order_by(User.display_name)
    ).unique(), role)


def person_choice(user: User) -> str:
    """How a form names a colleague: name, e-mail and unit, so two people
    with similar names can be told apart."""
    return f"{user.display_name} ({user.email}, {user.unit.name})"


def handlers(session: Session) -> list[User]:
    roles = (Role.INTAKE, Role.VP, Role.IC, Role.ICC,
             Role.EXTERNAL)
    return list(session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(roles), User.active)
        .order_by(User.display_name)
    ).unique())
