"""Two separate cookies: one for staff pages, one for reporter pages.

The staff cookie is scoped to /medewerkers and signed with its own salt, the
reporter cookie to the rest; neither is sent to, or accepted on, the other
side. A staff member who also reports never links the two in one cookie.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

STAFF_PREFIX = "/medewerkers"


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


class SplitSessionInterface(SecureCookieSessionInterface):
    def _staff(self) -> bool:
        try:
            return is_staff_path(request.path)
        except RuntimeError:  # outside a request
            return False

    def get_cookie_name(self, app: Flask) -> str:
        return "meldpunt_staff" if self._staff() else "meldpunt"

    def get_cookie_path(self, app: Flask) -> str:
        return STAFF_PREFIX if self._staff() else "/"

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        salt = "meldpunt-staff-session" if self._staff() else "meldpunt-reporter-session"
        return URLSafeTimedSerializer(
            app.secret_key,
            salt=salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
