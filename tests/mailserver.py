"""A real SMTP server for the tests (aiosmtpd on a free local port) and
the inbox it delivers to: the notification tests and the browser journeys
read what was really sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage as Email

from aiosmtpd.controller import Controller

from app.cases.reminders import SmtpSettings


@dataclass
class Inbox:
    messages: list[Email] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        email = message_from_bytes(envelope.content, policy=policy.default)
        email["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(email)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=controller.port, starttls=False,
                                  sender="meldpunt@ministerie.example")
    finally:
        controller.stop()


def body_of(email: Email) -> str:
    part = email.get_body()
    assert part is not None
    return str(part.get_content())
