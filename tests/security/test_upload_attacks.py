"""Upload attacks that tests/reporting/test_uploads.py does not try: path
traversal and very long file names, many files at once, decompression-bomb
pictures (small files, huge dimensions), and content that does not match the
extension. Each gets a clear message and leaves nothing stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.cases import content, custody
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case
from tests.conftest import PASSWORD
from tests.file_store import file_store_kind, leftovers  # noqa: F401 - both file stores
from tests.reporting.conftest import (
    PDF,
    TXT,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    send,
)


@pytest.fixture()
def client(client):  # type: ignore[no-untyped-def]
    """English pages, so assertions on texts do not depend on the catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _files_on_disk(rt) -> list[str]:  # type: ignore[no-untyped-def]
    """What the store holds (files on disk, rows in the database)."""
    return leftovers(rt)


def _stored_names(session, rt, intake) -> list[str]:  # type: ignore[no-untyped-def]
    names = []
    for case in session.scalars(select(Case)):
        key = custody.open_case_key(session, case, intake.user, unlock_private_key(
            intake.user.private_key_protected, PASSWORD))
        for row in session.scalars(select(Attachment).where(Attachment.case_id == case.id)):
            view, _chunks = content.open_attachment(rt, case, key, row)
            names.append(view.name)
    return names


def _refused(response, session, rt) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 413), response.status_code
    assert "Traceback" not in html
    assert _count(session, Case) == 0 and _count(session, Attachment) == 0
    assert list(rt.files.file_ids()) == [] and _files_on_disk(rt) == []
    return html


# --- names ----------------------------------------------------------------------------

TRAVERSAL_NAMES = [
    "../../../../etc/passwd.txt",
    "..\\..\\..\\Windows\\win.ini.txt",
    "/etc/cron.d/evil.txt",
    "C:\\Users\\melder\\Desktop\\notities.txt",
    "a/../../../b.txt",
    "....//....//c.txt",
    "%2e%2e%2f%2e%2e%2fd.txt",
    "\u202eexe.txt",
    "tab\tand\x7fdel.txt",
]


def test_path_traversal_names_are_reduced_to_a_plain_name(client, session, rt, units,
                                                          make_staff, tmp_path):
    intake = make_staff("intake")
    response = send(client, report_fields(units),
                    files=[(TXT, name) for name in TRAVERSAL_NAMES])
    if response.status_code == 400:  # more than the per-request maximum
        pytest.fail(response.get_data(as_text=True)[:500])
    assert response.status_code == 200
    receipt_code(response)
    names = _stored_names(session, rt, intake)
    assert len(names) == len(TRAVERSAL_NAMES)
    for name in names:
        # (The test client drops backslashes itself; a browser sends them.)
        assert "/" not in name and "\\" not in name and name not in (".", "..")
        assert name.isprintable() and "\u202e" not in name and "\t" not in name
        assert name.endswith(".txt")
    # Nothing was written outside the store; on disk only random ids.
    storage = Path(rt.settings.storage_dir).resolve()
    for held in _files_on_disk(rt):
        if rt.settings.file_store == "local":
            assert storage in Path(held).resolve().parents
        assert "passwd" not in Path(held).name and "win.ini" not in Path(held).name
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("extension", ["txt", "pdf"])
def test_a_300_character_file_name_keeps_its_extension(client, session, rt, units, make_staff,
                                                       extension):
    intake = make_staff("intake")
    data = TXT if extension == "txt" else PDF
    long_name = "verslag-" + "é" * 150 + "-" + "x" * 140 + "." + extension
    assert len(long_name) > 300
    response = send(client, report_fields(units), files=[(data, long_name)])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (name,) = _stored_names(session, rt, intake)
    assert len(name) <= 150 and name.startswith("verslag-") and name.endswith("." + extension)


def test_fifty_files_at_once_are_refused_and_nothing_is_stored(client, session, rt, units):
    fields = report_fields(units, what="Dit verhaal blijft staan.")
    response = send(client, fields, files=[(TXT, f"bestand-{i}.txt") for i in range(50)])
    html = _refused(response, session, rt)
    assert "at most 10 files" in html
    assert "Dit verhaal blijft staan." in html


def test_fifty_files_into_the_mailbox_are_refused(client, session, rt, units, new_report):
    code = new_report()
    cases, attachments = _count(session, Case), _count(session, Attachment)
    files_before = set(rt.files.file_ids())
    open_mailbox(client, code)
    response = mailbox_post(client, "/postbus/bestanden", {
        "attachments": [(io.BytesIO(TXT), f"b{i}.txt") for i in range(50)]},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "at most 10 files" in response.get_data(as_text=True)
    assert _count(session, Case) == cases and _count(session, Attachment) == attachments
    assert set(rt.files.file_ids()) == files_before


@pytest.fixture()
def new_report(client, units):  # type: ignore[no-untyped-def]
    def make() -> str:
        return receipt_code(send(client, report_fields(units)))
    return make


# --- decompression bombs -----------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def forged_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def real_bomb_png() -> bytes:
    """A real, valid 9000 x 9000 black picture (81 Mpx) of a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def forged_jpeg(width: int, height: int) -> bytes:
    """A small JPEG with its frame header (SOF0) rewritten to huge dimensions."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


@pytest.mark.parametrize(("maker", "name"), [
    (lambda: forged_png(100_000, 100_000), "bom.png"),        # 10 Gpx, beyond Pillow's limit
    (lambda: forged_png(20_000, 20_000), "bom2.png"),         # 400 Mpx
    (real_bomb_png, "zwart.png"),                             # decodes, but 81 Mpx
    (lambda: forged_jpeg(60_000, 60_000), "bom.jpg"),
])
def test_a_decompression_bomb_picture_is_refused_clearly(client, session, rt, units, maker,
                                                         name):
    data = maker()
    assert len(data) < 100_000
    response = send(client, report_fields(units), files=[(data, name)])
    html = _refused(response, session, rt)
    assert name in html
    assert "too many pixels" in html or "could not be read" in html


def test_pillow_bomb_limit_itself_is_handled(client, session, rt, units, monkeypatch):
    """Should our own pixel limit be raised, Pillow's DecompressionBombError
    still ends in the same clear refusal, not a 500."""
    from app.cases import uploads

    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "PNG")
    response = send(client, report_fields(units), files=[(out.getvalue(), "klein.png")])
    html = _refused(response, session, rt)
    assert "klein.png" in html


# --- content that does not match the extension -----------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
WRONG_CONTENT = [
    (ELF, "notities.txt"),                                   # a program named .txt
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "foto.png"),      # PNG magic, no picture
    (b"\xff\xd8\xff\xe0 not a picture at all", "foto.jpg"),  # JPEG magic, no picture
    (b"PK\x03\x04" + b"\x00" * 200, "brief.docx"),           # ZIP magic, no archive
    (b"PK\x03\x04mimetypeapplication/zip", "brief.odt"),     # not an ODF text
    (b"<html><script>alert(1)</script></html>", "pagina.pdf"),
    (b"GIF89a\x01\x00\x01\x00", "plaatje.png"),
    (PDF, "verslag.pdf.exe"),                                # double extension
    (TXT, "zonder-extensie"),
]


@pytest.mark.parametrize(("data", "name"), WRONG_CONTENT)
def test_wrong_content_behind_a_right_looking_name_is_refused(client, session, rt, units, data,
                                                              name):
    response = send(client, report_fields(units), files=[(data, name)])
    html = _refused(response, session, rt)
    assert name in html or name[:20] in html


def test_a_script_hidden_after_a_jpeg_is_gone_after_re_encoding(client, session, rt, units,
                                                               make_staff):
    intake = make_staff("intake")
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(out, "JPEG")
    payload = out.getvalue() + b"<?php system($_GET['c']); ?><script>alert(1)</script>"
    response = send(client, report_fields(units), files=[(payload, "foto.jpg")])
    assert response.status_code == 200
    case = session.scalars(select(Case)).one()
    key = custody.open_case_key(session, case, intake.user, unlock_private_key(
        intake.user.private_key_protected, PASSWORD))
    _, chunks = content.open_attachment(rt, case, key, session.scalars(select(Attachment)).one())
    stored = b"".join(chunks)
    assert b"<?php" not in stored and b"<script>" not in stored
