"""Reporter uploads are encrypted as they stream in: memory stays bounded by
a few segments whatever the file's size, no plaintext reaches the disk (not
even for a moment), and pending files that are never attached - refused,
abandoned at the review step, left by a killed worker - are removed.
Staff downloads stream too."""

from __future__ import annotations

import contextvars
import io
import os
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.cases import content, custody
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case
from app.retention.sweep import remove_orphan_files
from tests.conftest import PASSWORD, csrf_from, send_token_from, sign_in
from tests.file_store import (  # noqa: F401 - file_store_kind: each test on both stores
    file_store_kind,
    holds,
    leftovers,
    pending_sizes,
)
from tests.reporting.conftest import (
    PDF,
    open_mailbox,
    receipt_code,
    report_fields,
    review,
    send,
)

MB = 1024 * 1024


class MultipartBody(io.RawIOBase):
    """A multipart/form-data body made while it is read: the fields, then one
    file of `size` bytes of text carrying `marker`. `at_half` runs once when
    half of the file has been read by the server."""

    def __init__(self, fields: dict[str, str], filename: str, size: int, marker: bytes,
                 at_half: Callable[[], None] | None = None) -> None:
        super().__init__()
        boundary = "----stream" + secrets.token_hex(8)
        head = b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            f"{value}\r\n".encode() for name, value in fields.items())
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n").encode()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._head, self._tail = head, f"\r\n--{boundary}--\r\n".encode()
        line = b"Vertrouwelijke aantekening " + marker + b"\n"
        self._block = line * (64 * 1024 // len(line) + 1)
        self.size = size
        self.length = len(head) + size + len(self._tail)
        self._pos = 0
        self._at_half = at_half

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # only so the test client can measure it

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = offset if whence == io.SEEK_SET else self.length + offset
        return self._pos

    def content(self) -> bytes:
        """The file's bytes (for checking a download; only for small sizes)."""
        return (self._block * (self.size // len(self._block) + 1))[: self.size]

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        want = min(len(buffer), 64 * 1024)
        out = bytearray()
        head_end, file_end = len(self._head), len(self._head) + self.size
        pos = self._pos
        while len(out) < want and pos < self.length:
            if pos < head_end:
                piece = self._head[pos : pos + want - len(out)]
            elif pos < file_end:
                offset = (pos - head_end) % len(self._block)
                piece = self._block[offset : offset + min(want - len(out), file_end - pos)]
            else:
                piece = self._tail[pos - file_end : pos - file_end + want - len(out)]
            out += piece
            pos += len(piece)
        if self._at_half is not None and pos - head_end >= self.size // 2:
            run, self._at_half = self._at_half, None
            run()
        self._pos = pos
        buffer[: len(out)] = out
        return len(out)


def _post_stream(client: FlaskClient, url: str, body: MultipartBody):  # type: ignore[no-untyped-def]
    return client.post(url, input_stream=body, content_length=body.length,
                       content_type=body.content_type)


def _send_fields(client: FlaskClient, units, what: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fields = report_fields(units, what=what)
    html = review(client, fields).get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "send_token": send_token_from(html), "step": "send",
            **fields}


def _scan(marker: bytes, roots: list[Path], since: float) -> list[str]:
    found = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.stat().st_mtime < since - 1:
                        continue
                    with open(path, "rb") as handle:
                        tail = b""
                        while block := handle.read(MB):
                            if marker in tail + block:
                                found.append(str(path))
                                break
                            tail = block[-len(marker):]
                except OSError:
                    continue
    return found


def _open_key(session, intake, case):  # type: ignore[no-untyped-def]
    return custody.open_case_key(session, case, intake.user, unlock_private_key(
        intake.user.private_key_protected, PASSWORD))


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """Any temporary file made in this process (e.g. Werkzeug spooling an
    upload) lands here, where the scan looks."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.settings(max_upload_mb=60)
def test_a_50_mb_upload_uses_bounded_memory_and_no_plaintext_touches_disk(
        app, client, session, rt, units, make_staff, settings, private_tmp):
    intake = make_staff("intake")
    session.commit()
    marker = ("PLAINTEXT-" + secrets.token_hex(8)).encode()
    started = time.time()
    roots = [Path(settings.instance_dir), Path(settings.storage_dir), private_tmp]
    during: dict[str, object] = {}

    def halfway() -> None:
        # While the body is still arriving: the file is already ciphertext
        # in a pending file, and the marker is nowhere on disk.
        during["pending"] = pending_sizes(rt)
        during["found"] = _scan(marker, roots, started)
        during["in_store"] = holds(rt, marker)

    fields = _send_fields(client, units, "Grote bijlage " + marker.decode()[:4])
    body = MultipartBody(fields, "logboek.txt", 50 * MB, marker, at_half=halfway)
    tracemalloc.start()
    try:
        response = _post_stream(client, "/melden", body)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    receipt_code(response)

    # Half of 50 MB arrived, encrypted, before the request ended.
    (pending_size,) = during["pending"]  # type: ignore[misc]
    assert pending_size >= 24 * MB
    assert during["found"] == [] and during["in_store"] is False
    # Memory: a few segments, not the file (was 50-150 MB held in memory).
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MiB"
    assert _scan(marker, roots, started) == [] and not holds(rt, marker)
    assert rt.files.pending_ids() == []

    # Kept whole: the stored file decrypts to exactly what was sent.
    case = session.scalars(select(Case)).one()
    row = session.scalars(select(Attachment)).one()
    view, chunks = content.open_attachment(rt, case, _open_key(session, intake, case), row)
    assert view.size == 50 * MB
    total, first = 0, b""
    for chunk in chunks:
        first = first or chunk
        total += len(chunk)
    assert total == 50 * MB and marker in first
    session.rollback()

    # The staff download streams (segment by segment): bounded memory too.
    staff = app.test_client()
    sign_in(staff, intake)
    url = f"/medewerkers/zaken/{case.number}/bijlagen/{row.id}"

    def download() -> tuple[int, int, bool]:
        response = FlaskClient.open(staff, url, buffered=False)
        received = 0
        for chunk in response.response:
            received += len(chunk)
        response.close()
        return response.status_code, received, response.is_streamed

    tracemalloc.start()
    try:
        status, received, streamed = contextvars.Context().run(download)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (status, received, streamed) == (200, 50 * MB, True)
    assert peak < 8 * MB, f"download peak {peak / MB:.1f} MiB"


@pytest.mark.settings(max_upload_mb=3)
def test_the_mailbox_add_files_streams_too(client, session, rt, units, make_staff,
                                           private_tmp, settings):
    intake = make_staff("intake")
    session.commit()
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    marker = ("PLAINTEXT-" + secrets.token_hex(8)).encode()
    started = time.time()
    html = client.get("/postbus").get_data(as_text=True)
    body = MultipartBody({"csrf_token": csrf_from(html)}, "notities.txt", 2 * MB + 123, marker)
    response = _post_stream(client, "/postbus/bestanden", body)
    assert response.status_code == 302
    case = session.scalars(select(Case)).one()
    (row,) = session.scalars(select(Attachment)).all()
    _, chunks = content.open_attachment(rt, case, _open_key(session, intake, case), row)
    assert b"".join(chunks) == body.content()
    roots = [Path(settings.instance_dir), Path(settings.storage_dir), private_tmp]
    assert _scan(marker, roots, started) == [] and not holds(rt, marker)
    assert rt.files.pending_ids() == []


@pytest.mark.settings(max_upload_mb=1)
def test_over_the_limit_the_pending_file_is_deleted_while_the_rest_is_read(client, session, rt,
                                                                           units):
    seen: dict[str, list[str]] = {}
    fields = _send_fields(client, units, "Deze tekst blijft staan.")
    body = MultipartBody(fields, "groot.txt", 3 * MB, b"M" * 8,
                         at_half=lambda: seen.setdefault("pending", rt.files.pending_ids()))
    response = _post_stream(client, "/melden", body)
    assert response.status_code == 413
    assert "Deze tekst blijft staan." in response.get_data(as_text=True)
    # Past the 1 MB budget (at 1.5 of 3 MB) nothing of the file is kept any more.
    assert seen["pending"] == []
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert leftovers(rt) == []


def test_files_sent_with_the_change_button_of_the_review_step_are_not_kept(client, session, rt,
                                                                           units):
    fields = _send_fields(client, units, "Toch nog iets aanpassen.")
    response = client.post("/melden", data={**fields, "step": "edit",
                                            "attachments": [(io.BytesIO(PDF), "a.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Toch nog iets aanpassen." in response.get_data(as_text=True)
    assert rt.files.pending_ids() == [] and list(rt.files.file_ids()) == []
    assert leftovers(rt) == []


# --- pending files left by a crash ---------------------------------------------------

KILLED_WRITER = """
import os, sys
from pathlib import Path
from app.storage import LocalFileStore
store = LocalFileStore(Path(sys.argv[1]))
writer = store.begin_pending(store.new_file_id())
writer.write(b"ciphertext" * 1000)
print(writer.file_id, flush=True)
os.kill(os.getpid(), 9)
"""


def _killed_upload(rt) -> str:  # type: ignore[no-untyped-def]
    """A worker killed mid-upload: its pending file stays, no one holds it."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", KILLED_WRITER, str(rt.settings.storage_dir)],
        capture_output=True, timeout=60, check=False,
        cwd=Path(__file__).resolve().parents[2])
    file_id = result.stdout.decode().strip()
    assert rt.files.pending_ids() == [file_id], result.stderr.decode()[-2000:]
    return file_id


def _age(path: Path, seconds: int = 120) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


# The local store knows a live writer by its file lock (the database store by
# its lease: tests/storage/test_database_store.py).
@pytest.mark.parametrize("file_store_kind", ["local"])
def test_a_pending_file_left_by_a_killed_worker_goes_with_the_next_upload_request(
        client, session, rt, units, make_staff):
    make_staff("intake")
    session.commit()
    orphan = _killed_upload(rt)
    # In flight in this process (its writer holds the lock): must survive.
    in_flight = rt.files.begin_pending(rt.files.new_file_id())
    in_flight.write(b"still arriving")
    _age(rt.files.pending_path(in_flight.file_id))
    response = send(client, report_fields(units), files=[(PDF, "a.pdf")])
    assert response.status_code == 200
    # Within the grace time (a file is created a moment before it is locked):
    # kept for now, although no one holds it.
    assert orphan in rt.files.pending_ids()

    _age(rt.files.pending_path(orphan))
    response = send(client, report_fields(units), files=[(PDF, "b.pdf")])
    assert response.status_code == 200
    assert rt.files.pending_ids() == [in_flight.file_id]
    in_flight.discard()
    assert rt.files.pending_ids() == []
    assert session.scalar(select(func.count()).select_from(Attachment)) == 2


@pytest.mark.parametrize("file_store_kind", ["local"])
def test_a_pending_file_left_by_a_killed_worker_goes_with_the_retention_run(session, rt):
    orphan = _killed_upload(rt)
    in_flight = rt.files.begin_pending(rt.files.new_file_id())
    for file_id in (orphan, in_flight.file_id):
        _age(rt.files.pending_path(file_id))
    assert remove_orphan_files(session, rt) == 1
    assert rt.files.pending_ids() == [in_flight.file_id]
    in_flight.commit()  # an upload in flight is unaffected: it can still be kept
    assert rt.files.exists(in_flight.file_id) and rt.files.pending_ids() == []


# --- content checks read back through the decrypting stream ----------------------------

def _docx(padding: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/image1.bin", os.urandom(padding))
    return out.getvalue()


def test_a_large_docx_is_checked_by_its_zip_directory_beyond_the_first_segment(
        client, session, rt, units):
    data = _docx(300 * 1024)   # the zip directory sits in the fifth segment
    response = send(client, report_fields(units), files=[(data, "brief.docx")])
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1
    # The same file with its directory cut off is refused, and nothing kept.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = send(client, report_fields(units), files=[(data[:-200], "kapot.docx")])
    assert response.status_code == 400
    assert "kapot.docx" in response.get_data(as_text=True)
    assert rt.files.pending_ids() == []
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_a_picture_file_over_the_image_byte_limit_is_refused(client, session, rt, units,
                                                             monkeypatch):
    from PIL import Image

    from app.cases import uploads

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "PNG")
    monkeypatch.setattr(uploads, "MAX_IMAGE_BYTES", len(out.getvalue()) - 1)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = send(client, report_fields(units), files=[(out.getvalue(), "scan.png")])
    assert response.status_code == 400
    assert "scan.png: this picture file is larger than" in response.get_data(as_text=True)
    assert rt.files.pending_ids() == [] and list(rt.files.file_ids()) == []


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_picture_spanning_many_segments_is_re_encoded_whole(client, session, rt, units,
                                                              make_staff, kind):
    from PIL import Image

    intake = make_staff("intake")
    noise = Image.frombytes("RGB", (500, 400), os.urandom(500 * 400 * 3))
    out = io.BytesIO()
    noise.save(out, kind, **({"quality": 95} if kind == "JPEG" else {}))
    assert len(out.getvalue()) > 3 * 64 * 1024
    name = "ruis.png" if kind == "PNG" else "ruis.jpg"
    response = send(client, report_fields(units), files=[(out.getvalue(), name)])
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    case = session.scalars(select(Case)).one()
    row = session.scalars(select(Attachment)).one()
    view, chunks = content.open_attachment(rt, case, _open_key(session, intake, case), row)
    with Image.open(io.BytesIO(b"".join(chunks))) as stored:
        assert stored.size == (500, 400) and stored.format == kind
        if kind == "PNG":  # lossless: the very same pixels
            assert stored.convert("RGB").tobytes() == noise.tobytes()
    assert rt.files.pending_ids() == []
