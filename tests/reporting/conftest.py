"""Helpers for the reporter-side tests: fill in, review and send a report
through the real pages, and open the mailbox with the receipt code."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.config import Settings
from app.models import Unit
from tests.conftest import csrf_from, send_token_from
from tests.documents import minimal_pdf

RECEIPT_RE = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**changes): settings for this test's app")


@pytest.fixture()
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    marker = request.node.get_closest_marker("settings")
    return settings.with_changes(**marker.kwargs) if marker else settings


def report_fields(units: dict[str, Unit], **changes: str) -> dict[str, str]:
    data = {
        "track": "report",
        "unit": str(units["kerndepartement"].id),
        "category": "ongewenste_omgangsvormen",
        "subcategory": "pesten",
        "ground": "",
        "what": "Mijn leidinggevende kleineert mij al maanden in het teamoverleg.",
        "when": "Sinds maart",
        "where": "Teamoverleg, kamer 4.12",
        "involved": "Mijn leidinggevende",
        "witnesses": "Twee collega's",
        "reported_elsewhere": "",
        "identity": "anonymous",
        "name": "",
        "email": "",
        "phone": "",
        "contact": "",
        "preferred_counsellor": "0",
    }
    data.update(changes)
    return data


def review(client: FlaskClient, fields: dict, **kwargs: Any) -> TestResponse:
    html = client.get("/melden", **kwargs).get_data(as_text=True)
    return client.post("/melden", data={"csrf_token": csrf_from(html), "step": "review",
                                        **fields}, **kwargs)


def send(client: FlaskClient, fields: dict, files: Sequence[tuple[bytes, str]] = (),
         **kwargs: Any) -> TestResponse:
    """Through the form and the review step to the receipt page."""
    reviewed = review(client, fields, **kwargs)
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)[:3000]
    html = reviewed.get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "send_token": send_token_from(html), "step": "send",
            **fields,
            "attachments": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/melden", data=data, content_type="multipart/form-data", **kwargs)


def receipt_code(response: TestResponse) -> str:
    match = RECEIPT_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def open_mailbox(client: FlaskClient, code: str) -> TestResponse:
    html = client.get("/postbus").get_data(as_text=True)
    return client.post("/postbus", data={"csrf_token": csrf_from(html), "code": code})


def mailbox_post(client: FlaskClient, url: str, data: dict | None = None,
                 **kwargs: Any) -> TestResponse:
    html = client.get("/postbus").get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kwargs)


# A real PDF: documents are opened to be cleaned (issue #25).
PDF = minimal_pdf()
TXT = b"Aantekeningen van het overleg op 12 maart.\n"


@pytest.fixture()
def client(client: FlaskClient) -> FlaskClient:
    """English pages, so assertions on texts do not depend on the catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
