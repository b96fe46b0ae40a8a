"""The organisation's contacts on the reporter's pages: the decision aid's
desks, the "need help now?" line on every reporter page, and the privacy
and accessibility statements (app/config.py, OrganisationDetails)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from app.config import OrganisationDetails, Settings

# A line that is a telephone number and nothing else: digits, spaces,
# dashes (also "–") and brackets, with an optional leading +.
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-–]*[0-9]$")


@dataclass(frozen=True)
class ContactLine:
    text: str
    # "tel:" target when the line is a telephone number (a tap calls it).
    tel: str | None = None


def contact(lines: tuple[str, ...]) -> list[ContactLine]:
    return [ContactLine(line, "tel:" + re.sub(r"[^0-9+]", "", line)
                        if PHONE.match(line) else None) for line in lines]


def phones(lines: tuple[str, ...]) -> list[ContactLine]:
    return [line for line in contact(lines) if line.tel]


def details() -> OrganisationDetails:
    settings: Settings = current_app.extensions["meldpunt.settings"]
    return settings.organisation


def template_values() -> dict[str, object]:
    """For every template (the help line is on every reporter page): only
    the organisation's public details, no other setting."""
    return {"organisation": details(), "contact_lines": contact, "phone_lines": phones}
