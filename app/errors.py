"""The domain's refusals: one exception hierarchy that carries its HTTP status.

Domain code raises a `DomainError` with a message *code* (and parameters for
the text); it holds no translated text. The web layer turns every one of
them into a page in one place (`app/web/errors.py`) and looks the text up in
one table (`app/web/messages.py`), keyed by `area.code`.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Something the domain refuses to do; `code` names why (str() is the code).

    `area` groups the codes of one part of the domain (the same code may mean
    something else elsewhere); `params` fill the placeholders of the text.
    """

    status: ClassVar[int] = 400
    area: ClassVar[str] = "domain"
    # The code when none is given (`raise NoAccess`).
    default_code: ClassVar[str] = "refused"

    def __init__(self, code: str | None = None, /, **params: object) -> None:
        self.code: str = code or self.default_code
        self.params: dict[str, object] = params
        super().__init__(self.code)

    @property
    def key(self) -> str:
        """The key of the message table."""
        return f"{self.area}.{self.code}"


class Invalid(DomainError):
    """A missing or invalid parameter, or a requirement that is not met."""

    status = 400


class NotAuthenticated(DomainError):
    """A wrong password or code (never says which part was wrong)."""

    status = 401


class NotAllowed(DomainError):
    """The actor may not do this."""

    status = 403


class NotFound(DomainError):
    """It does not exist, or not for this actor (the same answer)."""

    status = 404


class Conflict(DomainError):
    """The thing changed since it was loaded (a stale version, a closed case)."""

    status = 409


class TooLarge(DomainError):
    """More than allowed was sent."""

    status = 413


class TooManyAttempts(DomainError):
    """Too many attempts in a short time."""

    status = 429
