"""Attachments: type allow-list by extension and content, EXIF/GPS stripped
from pictures, oversized uploads refused with a friendly page and nothing
stored."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from app.cases import content, custody
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case
from tests.conftest import PASSWORD
from tests.file_store import file_store_kind  # noqa: F401 - both file stores
from tests.reporting.conftest import PDF, receipt_code, report_fields, review, send


def jpeg_with_gps() -> bytes:
    return jpeg_with_gps_of(64, 48)


def jpeg_with_gps_of(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Artist] = "Jan Jansen"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 31.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 18.0, 44.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def stored_files(rt) -> list[str]:  # type: ignore[no-untyped-def]
    return list(rt.files.file_ids())


def test_exif_gps_is_removed_from_an_uploaded_jpeg(client, session, rt, units, make_staff):
    intake = make_staff("intake")
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has a position

    response = send(client, report_fields(units), files=[(original, "foto.jpg")])
    assert response.status_code == 200
    case = session.scalars(select(Case)).one()
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    row = session.scalars(select(Attachment)).one()
    view, chunks = content.open_attachment(rt, case, key, row)
    stored = b"".join(chunks)
    assert view.content_type == "image/jpeg"
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"Jan Jansen" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_png_text_chunks_are_removed(client, session, rt, units, make_staff):
    from PIL.PngImagePlugin import PngInfo

    intake = make_staff("intake")
    info = PngInfo()
    info.add_text("Author", "Jan Jansen")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    send(client, report_fields(units), files=[(out.getvalue(), "scherm.png")])
    case = session.scalars(select(Case)).one()
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    _, chunks = content.open_attachment(rt, case, key, session.scalars(select(Attachment)).one())
    assert b"Jan Jansen" not in b"".join(chunks)


@pytest.mark.parametrize(("data", "name"), [
    (b"MZ\x90\x00 not a program really", "handig.exe"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "plaatje.svg"),
    (b"MZ\x90\x00 this is no pdf", "verslag.pdf"),           # extension lies
    (PDF, "foto.jpg"),                                        # a PDF named .jpg
    (b"PK\x03\x04 not really a word file", "brief.docx"),
])
def test_wrong_file_type_is_refused_with_a_clear_message(client, session, rt, units, data, name):
    fields = report_fields(units, what="Dit moet blijven staan na de fout.")
    response = send(client, fields, files=[(data, name)])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert name in html
    assert "not accepted" in html or "niet geaccepteerd" in html or "niet toegestaan" in html
    assert "Dit moet blijven staan na de fout." in html
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert stored_files(rt) == []


@pytest.mark.settings(max_upload_mb=1)
def test_oversized_upload_gets_friendly_413_and_the_form_is_kept(client, session, rt, units):
    fields = report_fields(units, what="Een verhaal dat niet verloren mag gaan.")
    too_big = b"x" * (1024 * 1024 + 10)
    response = send(client, fields, files=[(too_big, "groot.txt")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "1 MB" in html
    assert "Een verhaal dat niet verloren mag gaan." in html   # shown and in hidden fields
    assert 'name="what" value="Een verhaal dat niet verloren mag gaan."' in html
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert stored_files(rt) == []


@pytest.mark.settings(max_upload_mb=1)
def test_far_too_large_request_gets_the_friendly_413_page_and_nothing_stored(client, session, rt,
                                                                             units):
    response = send(client, report_fields(units), files=[(b"x" * (5 * 1024 * 1024), "enorm.txt")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Back" in html or "Terug" in html or "Vorige" in html
    assert "Traceback" not in html
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert stored_files(rt) == []


def test_plain_text_and_pdf_are_accepted_as_they_are(client, session, units):
    response = send(client, report_fields(units),
                    files=[(PDF, "a.pdf"), (b"gewone tekst\r\n", "b.TXT")])
    assert response.status_code == 200
    assert receipt_code(response)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_limits_are_stated_up_front(client, units):
    form = client.get("/melden").get_data(as_text=True)
    assert "20 MB" in form and "pdf" in form and "docx" in form
    html = review(client, report_fields(units)).get_data(as_text=True)
    assert 'type="file"' in html and "multiple" in html
    assert "20 MB" in html


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.settings(image_max_megapixels=1)
def test_a_png_over_the_pixel_budget_is_refused_in_plain_words_and_the_text_is_kept(
        client, session, rt, units):
    fields = report_fields(units, what="Dit moet blijven staan na de fout.")
    response = send(client, fields, files=[(_png(1001, 1000), "scherm.png")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "scherm.png" in html and ("more than 1 megapixels" in html
                                     or "meer dan 1 megapixels" in html)
    assert 'name="what" value="Dit moet blijven staan na de fout."' in html
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert stored_files(rt) == []


@pytest.mark.settings(image_max_megapixels=1)
def test_a_jpeg_over_the_pixel_budget_is_decoded_at_a_smaller_scale(client, session, rt, units,
                                                                    make_staff):
    intake = make_staff("intake")
    response = send(client, report_fields(units), files=[(jpeg_with_gps_of(2000, 1500),
                                                          "groot.jpg")])
    assert response.status_code == 200
    case = session.scalars(select(Case)).one()
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    _, chunks = content.open_attachment(rt, case, key, session.scalars(select(Attachment)).one())
    with Image.open(io.BytesIO(b"".join(chunks))) as image:
        assert image.size == (1000, 750)  # half: 0.75 Mpx
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


@pytest.mark.settings(image_max_megapixels=1, image_request_megapixels=2)
def test_pictures_over_the_request_budget_are_refused_and_nothing_is_kept(client, session, rt,
                                                                          units):
    fields = report_fields(units, what="Drie schermafbeeldingen bij mijn verhaal.")
    files = [(_png(1000, 1000), f"scherm{i}.png") for i in range(3)]
    response = send(client, fields, files=files)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "more than 2 megapixels at once" in html or "meer dan 2 megapixels in één keer" in html
    assert 'name="what" value="Drie schermafbeeldingen bij mijn verhaal."' in html
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert stored_files(rt) == []
    # Two of them fit.
    assert send(client, fields, files=files[:2]).status_code == 200
