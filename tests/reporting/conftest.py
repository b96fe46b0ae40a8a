"""Helpers for the reporter-side tests: fill in, review and send a report
through the real pages, and open the mailbox with the receipt code."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import csrf_from

RECEIPT_RE = re.compile(r'<p class="receipt"[^>]*>(.*?)</p>', re.S)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**changes): settings for this test's app")


@pytest.fixture()
def settings(settings, request):  # type: ignore[no-untyped-def]
    marker = request.node.get_closest_marker("settings")
    return settings.with_changes(**marker.kwargs) if marker else settings


def report_fields(units, **changes) -> dict:  # type: ignore[no-untyped-def]
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


def review(client, fields: dict, **kwargs):  # type: ignore[no-untyped-def]
    html = client.get("/melden", **kwargs).get_data(as_text=True)
    return client.post("/melden", data={"csrf_token": csrf_from(html), "step": "review",
                                        **fields}, **kwargs)


def send(client, fields: dict, files: list[tuple[bytes, str]] = (), **kwargs):  # type: ignore[no-untyped-def]
    """Through the form and the review step to the receipt page."""
    reviewed = review(client, fields, **kwargs)
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)[:3000]
    html = reviewed.get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "step": "send", **fields,
            "attachments": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/melden", data=data, content_type="multipart/form-data", **kwargs)


def receipt_code(response) -> str:  # type: ignore[no-untyped-def]
    match = RECEIPT_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def open_mailbox(client, code: str):  # type: ignore[no-untyped-def]
    html = client.get("/postbus").get_data(as_text=True)
    return client.post("/postbus", data={"csrf_token": csrf_from(html), "code": code})


def mailbox_post(client, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
    html = client.get("/postbus").get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kwargs)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TXT = b"Aantekeningen van het overleg op 12 maart.\n"


@pytest.fixture()
def client(client):  # type: ignore[no-untyped-def]
    """English pages, so assertions on texts do not depend on the catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
