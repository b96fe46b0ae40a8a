"""Issue #25: files the bureau uploads with its findings go through the same
type allow-list and cleaning as the reporter's (an .html report went in as
text/html), with a clear message that keeps what was typed."""

from __future__ import annotations

import io

import pikepdf
from PIL import ExifTags, Image
from sqlalchemy import select

from app.cases import content, custody
from app.cases.workflow import perform
from app.crypto.keys import unlock_private_key
from app.models import Attachment, utcnow
from tests.cases.conftest import key_of
from tests.conftest import PASSWORD, csrf_from, sign_in
from tests.documents import AUTHOR, COMMENT, EDITOR, contains_any, minimal_pdf, pdf_with_author
from tests.file_store import file_store_kind  # noqa: F401 - both file stores

# A real PDF: documents are opened to be cleaned (issue #25).
PDF = minimal_pdf()
FINDINGS = "De getuigen bevestigen de melding; zie het rapport."


def _referred(session, rt, make_staff, new_case, units):  # type: ignore[no-untyped-def]
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    case, _ = new_case()
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    case.consent_given_at = utcnow()
    perform(session, rt, case, ic.user, key_of(ic), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["what"])
    case.ic = ic  # who reads what the bureau delivered, once it holds nothing any more
    return case, investigator


def _deliver(client, case, data: bytes, name: str):  # type: ignore[no-untyped-def]
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    return client.post(
        f"/medewerkers/zaken/{case.number}/actie/deliver_external_report",
        data={"csrf_token": csrf_from(html), "version": str(case.version),
              "findings": FINDINGS, "report_file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_a_bureau_html_report_is_refused_and_the_findings_typed_are_kept(
        client, session, rt, make_staff, new_case, units):
    case, investigator = _referred(session, rt, make_staff, new_case, units)
    sign_in(client, investigator)
    response = _deliver(client, case, b"<html><script>alert(1)</script></html>", "rapport.html")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "rapport.html" in html
    assert "not accepted" in html or "niet geaccepteerd" in html
    assert FINDINGS in html  # back in the open form's text field
    session.expire_all()
    assert case.state == "external_investigation"
    assert session.scalars(select(Attachment)).all() == []
    assert list(rt.files.file_ids()) == []


def test_a_bureau_pdf_report_still_goes_in(client, session, rt, make_staff, new_case, units):
    case, investigator = _referred(session, rt, make_staff, new_case, units)
    sign_in(client, investigator)
    response = _deliver(client, case, PDF, "rapport.pdf")
    assert response.status_code == 302
    session.expire_all()
    assert case.state == "decision"
    row = session.scalars(select(Attachment)).one()
    key = custody.open_case_key(session, case, case.ic.user, key_of(case.ic))
    view, chunks = content.open_attachment(rt, case, key, row)
    assert (view.name, view.content_type) == ("rapport.pdf", "application/pdf")
    # Rewritten without hidden data (issue #25): the same one page.
    assert len(pikepdf.open(io.BytesIO(b"".join(chunks))).pages) == 1
    assert row.uploaded_by_kind == "external"


def test_a_bureau_photo_loses_its_gps_position(client, session, rt, make_staff, new_case, units):
    case, investigator = _referred(session, rt, make_staff, new_case, units)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 31.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    sign_in(client, investigator)
    assert _deliver(client, case, out.getvalue(), "plek.jpg").status_code == 302
    session.expire_all()
    key = custody.open_case_key(session, case, case.ic.user, key_of(case.ic))
    _, chunks = content.open_attachment(rt, case, key, session.scalars(select(Attachment)).one())
    stored = b"".join(chunks)
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


# Issue #25: the bureau's report loses its hidden data like a reporter's file.


def test_a_bureau_pdf_with_an_author_comes_out_without_it(client, session, rt, make_staff,
                                                          new_case, units):
    case, investigator = _referred(session, rt, make_staff, new_case, units)
    sign_in(client, investigator)
    page = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    response = client.post(
        f"/medewerkers/zaken/{case.number}/actie/deliver_external_report",
        data={"csrf_token": csrf_from(page), "findings": "Bevestigd.",
              "report_file": (io.BytesIO(pdf_with_author()), "rapport.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    row = session.scalars(select(Attachment)).one()
    key = custody.open_case_key(session, case, case.ic.user,
                                unlock_private_key(case.ic.user.private_key_protected, PASSWORD))
    _view, chunks = content.open_attachment(rt, case, key, row)
    stored = b"".join(chunks)
    assert contains_any(stored, (AUTHOR, EDITOR, COMMENT)) == []
    assert len(pikepdf.open(io.BytesIO(stored)).pages) == 1
