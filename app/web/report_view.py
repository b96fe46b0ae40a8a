"""A report's answers as a handler reads them: each field by its label and
each stored code in words. The reporter's form stores a few answers as codes
(the ground of discrimination, the chosen counsellor's account id); a page
never shows those codes or the field names they are stored under."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.models import User
from app.vocabulary import UnitKind
from app.web.labels import report_field_label
from app.web.typology_labels import label_for

GROUND = "ground"
PREFERRED_COUNSELLOR = "preferred_counsellor"
# The account id of the counsellor the reporter chose; shown through
# PREFERRED_COUNSELLOR, never as a field of its own.
PREFERRED_COUNSELLOR_ID = "preferred_counsellor_id"


def counsellor_in_words(session: Session, user_id: Any, stored_name: str | None, *,
                        names_visible: bool) -> str:
    """The chosen counsellor: their name for the handlers, only where they
    work for someone who may not see colleagues' names (an external bureau)."""
    user = None
    if isinstance(user_id, int) or (isinstance(user_id, str) and user_id.isdigit()
                                     and len(user_id) <= 18):
        user = session.get(User, int(user_id))
    if user is None:
        if names_visible and stored_name:
            return stored_name  # the name as the reporter saw it; the account is gone
        return _("a confidential counsellor")
    if names_visible:
        return user.display_name
    if user.unit.kind == UnitKind.EXTERNAL:
        return _("an external confidential counsellor")
    return _("a confidential counsellor of %(unit)s", unit=user.unit.name)


def report_items(session: Session, report: dict[str, Any], *,
                 names_visible: bool = True) -> list[tuple[str, str]]:
    """(label, text) for every answer, in the order they were given."""
    items: list[tuple[str, str]] = []
    counsellor_shown = False
    for key, value in report.items():
        if key in (PREFERRED_COUNSELLOR, PREFERRED_COUNSELLOR_ID):
            if counsellor_shown:
                continue
            counsellor_shown = True
            items.append((report_field_label(PREFERRED_COUNSELLOR), counsellor_in_words(
                session, report.get(PREFERRED_COUNSELLOR_ID), report.get(PREFERRED_COUNSELLOR),
                names_visible=names_visible)))
        elif key == GROUND:
            items.append((report_field_label(key), label_for(str(value))))
        else:
            items.append((report_field_label(key), str(value)))
    return items
