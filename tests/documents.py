"""Documents with hidden data, made by the tests themselves (issue #25):
a DOCX with author, last editor, company, a comment, a tracked change and a
custom property; an ODT with creators and a comment; a PDF with document
information and XMP metadata."""

from __future__ import annotations

import io
import re
import zipfile

AUTHOR = "Jan Jansen"
EDITOR = "Piet Pietersen"
COMPANY = "Ministerie van Geheimen"
COMMENT = "Let op: dit heb ik zelf gezien"
CUSTOM = "Afdeling Inkoop, kamer 4.12"
TEXT = "Mijn leidinggevende kleineert mij in het teamoverleg."
SECRETS = (AUTHOR, EDITOR, COMPANY, COMMENT, CUSTOM)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def minimal_pdf() -> bytes:
    """A real one-page PDF without any metadata."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def pdf_with_author() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Creator"] = "Microsoft Word"
    pdf.docinfo["/Title"] = COMMENT
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:creator"] = [AUTHOR]
        meta["pdf:Producer"] = COMPANY
    annotation = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                                    Rect=[10, 10, 30, 30], Contents=pikepdf.String("Zie hier"),
                                    T=pikepdf.String(EDITOR))
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annotation)]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _replace_parts(data: bytes, changes: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in changes:
                target.writestr(info, source.read(info.filename))
        for name, content in changes.items():
            target.writestr(name, content)
    return out.getvalue()


def docx_with_hidden_data() -> bytes:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.last_modified_by = EDITOR
    paragraph = document.add_paragraph(TEXT)
    document.add_comment(paragraph.runs, text=COMMENT, author=AUTHOR, initials="JJ")
    paragraph._p.append(parse_xml(
        f'<w:ins xmlns:w="{W}" w:id="99" w:author="{EDITOR}" w:date="2026-03-02T10:11:12Z">'
        '<w:r><w:t> Toegevoegd.</w:t></w:r></w:ins>'))
    saved = io.BytesIO()
    document.save(saved)
    data = saved.getvalue()
    parts = zipfile.ZipFile(io.BytesIO(data))
    app = parts.read("docProps/app.xml").decode()
    app = app.replace("</Properties>", f"<Company>{COMPANY}</Company></Properties>")
    types = parts.read("[Content_Types].xml").decode().replace(
        "</Types>", '<Override PartName="/docProps/custom.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
    rels = parts.read("_rels/.rels").decode().replace(
        "</Relationships>", '<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"'
        "/></Relationships>")
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
              'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
              '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"'
              f' pid="2" name="Afdeling"><vt:lpwstr>{CUSTOM}</vt:lpwstr></property></Properties>')
    return _replace_parts(data, {"docProps/app.xml": app.encode(),
                                 "[Content_Types].xml": types.encode(),
                                 "_rels/.rels": rels.encode(),
                                 "docProps/custom.xml": custom.encode()})


def odt_with_hidden_data() -> bytes:
    from odf import dc, meta
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.meta.addElement(meta.InitialCreator(text=AUTHOR))
    document.meta.addElement(dc.Creator(text=EDITOR))
    document.meta.addElement(meta.UserDefined(name="Afdeling", text=CUSTOM))
    paragraph = P(text=TEXT)
    note = Annotation()
    note.addElement(dc.Creator(text=AUTHOR))
    note.addElement(P(text=COMMENT))
    paragraph.addElement(note)
    document.text.addElement(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def unpacked(data: bytes) -> bytes:
    """Every part of a zip package, unpacked and joined (to search in)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return b"\0".join(archive.read(name) for name in archive.namelist())


def contains_any(data: bytes, needles: tuple[str, ...] = SECRETS) -> list[str]:
    return [needle for needle in needles if re.search(needle.encode(), data)]
