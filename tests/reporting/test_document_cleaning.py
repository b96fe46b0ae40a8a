"""Issue #25: documents lose their hidden data as they stream in (author,
last editor, company, comments, revision history, custom properties, XMP),
still open afterwards, and the reporter is told what went and what can not
(names in the text). File names can be made neutral (on by default)."""

from __future__ import annotations

import io
import zipfile

import docx
import pikepdf
import pytest
from sqlalchemy import select

from app.cases import content, custody, documents
from app.cases.documents import DocumentNotCleanable, clean_document
from app.crypto.keys import unlock_private_key
from app.models import Attachment, Case
from tests.conftest import PASSWORD
from tests.documents import (
    AUTHOR,
    EDITOR,
    SECRETS,
    TEXT,
    contains_any,
    docx_with_hidden_data,
    odt_with_hidden_data,
    pdf_with_author,
    unpacked,
)
from tests.file_store import all_ciphertext, file_store_kind  # noqa: F401 - both file stores
from tests.reporting.conftest import (
    PDF,
    TXT,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    send,
)


def _stored(session, rt, staff) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """The case's files as a handler downloads them, by name."""
    session.expire_all()
    case = session.scalars(select(Case)).one()
    key = custody.open_case_key(session, case, staff.user,
                                unlock_private_key(staff.user.private_key_protected, PASSWORD))
    files = {}
    for row in session.scalars(select(Attachment).order_by(Attachment.id)):
        view, chunks = content.open_attachment(rt, case, key, row)
        files[view.name] = b"".join(chunks)
    return files


def _storage_bytes(rt) -> bytes:  # type: ignore[no-untyped-def]
    """All the store holds (files on disk, chunks in the database)."""
    return b"".join(all_ciphertext(rt))


def test_a_docx_with_an_author_comes_out_without_it_and_still_opens(client, session, rt, units,
                                                                    make_staff):
    intake = make_staff("intake")
    original = docx_with_hidden_data()
    assert contains_any(unpacked(original)) == list(SECRETS)  # the test file has them all

    # As the browser sends the form: neutral names are ticked by default.
    response = send(client, report_fields(units, neutral_names="yes"),
                    files=[(original, "klacht.docx")])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "We removed hidden data from your documents" in page
    for told in ("the author", "who saved it last", "the company or manager",
                 "comments and their authors", "the revision history", "custom properties"):
        assert told in page
    assert "Names or other details in the text itself are not removed" in page

    [(name, stored)] = _stored(session, rt, intake).items()
    assert contains_any(unpacked(stored)) == []
    assert contains_any(_storage_bytes(rt), (TEXT, *SECRETS)) == []  # nothing plain on disk
    cleaned = docx.Document(io.BytesIO(stored))
    assert cleaned.core_properties.author == ""
    assert cleaned.core_properties.last_modified_by == ""
    # The text stays, the tracked insertion too (with a neutral author).
    assert TEXT in cleaned.paragraphs[0].text
    assert b"Toegevoegd" in zipfile.ZipFile(io.BytesIO(stored)).read("word/document.xml")
    assert name == "bijlage-1.docx"  # neutral names: on by default in the form


def test_a_pdf_with_an_author_comes_out_without_it_and_still_opens(client, session, rt, units,
                                                                   make_staff):
    intake = make_staff("intake")
    original = pdf_with_author()
    assert AUTHOR.encode() in original

    response = send(client, report_fields(units), files=[(original, "verslag.pdf")])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "the author" in page and "embedded metadata (XMP)" in page

    [stored] = _stored(session, rt, intake).values()
    assert contains_any(stored) == []
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
        [annotation] = pdf.pages[0].Annots
        assert "/T" not in annotation  # the comment's author went, its text stays
        assert str(annotation.Contents) == "Zie hier"


def test_an_odt_comes_out_without_its_creators_and_comments(client, session, rt, units,
                                                            make_staff):
    from odf import teletype
    from odf.opendocument import load
    from odf.text import P

    intake = make_staff("intake")
    send(client, report_fields(units), files=[(odt_with_hidden_data(), "brief.odt")])
    [stored] = _stored(session, rt, intake).values()
    assert contains_any(unpacked(stored)) == []
    assert zipfile.ZipFile(io.BytesIO(stored)).namelist()[0] == "mimetype"
    texts = [teletype.extractText(p) for p in load(io.BytesIO(stored)).getElementsByType(P)]
    assert texts == [TEXT]


def test_spreadsheets_and_slides_are_accepted_and_cleaned(client, session, rt, units,
                                                          make_staff):
    import openpyxl
    import pptx

    intake = make_staff("intake")
    book = openpyxl.Workbook()
    book.properties.creator, book.properties.lastModifiedBy = AUTHOR, EDITOR
    book.active["A1"] = "Overuren maart"
    sheet_file = io.BytesIO()
    book.save(sheet_file)
    deck = pptx.Presentation()
    deck.core_properties.author = AUTHOR
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Tijdlijn"
    deck_file = io.BytesIO()
    deck.save(deck_file)

    response = send(client, report_fields(units, neutral_names="yes"),
                    files=[(sheet_file.getvalue(), "uren.xlsx"),
                           (deck_file.getvalue(), "tijdlijn.pptx")])
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    stored = _stored(session, rt, intake)
    assert contains_any(unpacked(stored["bijlage-1.xlsx"])) == []
    assert contains_any(unpacked(stored["bijlage-2.pptx"])) == []
    assert openpyxl.load_workbook(io.BytesIO(stored["bijlage-1.xlsx"])).active["A1"].value == (
        "Overuren maart")
    slides = pptx.Presentation(io.BytesIO(stored["bijlage-2.pptx"])).slides
    assert slides[0].shapes.title.text == "Tijdlijn"


def test_a_pdf_that_needs_a_password_is_refused_in_plain_words(client, session, rt, units):
    pdf = pikepdf.open(io.BytesIO(pdf_with_author()))
    locked = io.BytesIO()
    pdf.save(locked, encryption=pikepdf.Encryption(owner="eigenaar", user="geheim"))
    response = send(client, report_fields(units, what="Dit moet bewaard blijven."),
                    files=[(locked.getvalue(), "slot.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "slot.pdf: we could not remove the hidden data" in page
    assert "Dit moet bewaard blijven." in page  # nothing typed is lost
    assert session.scalars(select(Case)).all() == []
    assert list(rt.files.file_ids()) == []


def test_a_document_whose_xml_declares_entities_is_refused():
    """No DTD in a document's XML: entity expansion (billion laughs) and
    external entities never reach the parser's expansion."""
    bomb = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document xmlns:w="x">&b;'
            '</w:document>')
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", bomb)
    with pytest.raises(DocumentNotCleanable):
        clean_document("docx", io.BytesIO(package.getvalue()), io.BytesIO())


def test_a_zip_that_unpacks_too_far_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "MAX_UNPACKED", 1024 * 1024)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/media/image1.bin", b"\0" * (4 * 1024 * 1024))
    assert len(package.getvalue()) < 20_000
    with pytest.raises(DocumentNotCleanable):
        clean_document("docx", io.BytesIO(package.getvalue()), io.BytesIO())


# --- neutral file names --------------------------------------------------------


def test_the_upload_forms_offer_neutral_names_ticked(client, units):
    from tests.reporting.conftest import review

    page = review(client, report_fields(units)).get_data(as_text=True)
    assert 'name="neutral_names" value="yes" checked' in page
    assert "bijlage-1" in page


def test_files_keep_their_own_names_only_when_the_reporter_unticks(client, app, session, rt,
                                                                   units, make_staff):
    intake = make_staff("intake")
    code = receipt_code(send(client, report_fields(units, neutral_names="yes"),
                             files=[(PDF, "IMG_2024_Jan_Jansen.pdf"), (TXT, "mijn notities.txt")]))
    assert list(_stored(session, rt, intake)) == ["bijlage-1.pdf", "bijlage-2.txt"]
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/bestanden",
                 {"attachments": [(io.BytesIO(PDF), "Jan Jansen verslag.pdf")],
                  "neutral_names": "yes"}, content_type="multipart/form-data")
    mailbox_post(client, "/postbus/bestanden",
                 {"attachments": [(io.BytesIO(TXT), "eigen naam.txt")]},
                 content_type="multipart/form-data")
    assert list(_stored(session, rt, intake)) == [
        "bijlage-1.pdf", "bijlage-2.txt", "bijlage-3.pdf", "eigen naam.txt"]


def test_a_pdf_keeps_its_page_content_byte_for_byte():
    """The cleaner removes hidden data, not content: every stream is copied
    as it came, neither decoded nor compressed again (deflating a large
    uncompressed stream was most of a submission's time, issue #26)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    content_bytes = b"BT /F1 12 Tf 72 712 Td (Verslag van het gesprek) Tj ET\n" * 400
    pdf.pages[0].Contents = pdf.make_stream(content_bytes)
    pdf.docinfo["/Author"] = "Jan de Vries"
    source = io.BytesIO()
    pdf.save(source, compress_streams=False)
    cleaned = io.BytesIO()
    assert clean_document("pdf", io.BytesIO(source.getvalue()), cleaned) == {documents.AUTHOR}
    with pikepdf.open(io.BytesIO(cleaned.getvalue())) as out:
        stream = out.pages[0].Contents
        assert "/Filter" not in stream
        assert stream.read_raw_bytes() == content_bytes
        assert "/Author" not in out.trailer.get("/Info", {})
