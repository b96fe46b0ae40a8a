"""Hidden data out of documents, as they stream (issue #25).

A document carries more than its text: who wrote it and who saved it last,
their company, comments in the margin, the names and dates of tracked
changes, custom properties, the template's path on their computer. For a
reporter who wants to stay anonymous that can be the whole point. So every
document is rewritten before it is kept, and the reporter is told what went
(`removed`, codes of `REMOVABLE`) and what can not: names in the text itself.

Office Open XML (docx, xlsx, pptx) and OpenDocument (odt) are zip archives
of XML parts. The cleaned copy is written entry by entry: parts that only
hold hidden data (comments, comment authors, custom properties, custom XML,
shared-workbook revision logs) are left out together with the relationships
and content types that name them; the document properties are replaced by
empty ones; the XML of every other part is streamed through expat and
written again without comment marks, with the authors and dates of tracked
changes made neutral and revision ids dropped; other entries (pictures,
fonts) are copied as they are, every entry with a fixed date. Nothing is
read whole: the archive is read back through the decrypting stream (random
access, one verified segment at a time) and the copy goes straight into a
new encrypted pending file, so plaintext never touches disk and memory stays
a few buffers per part.

PDF: the document information dictionary (author, creator, producer,
title, dates ...), the XMP metadata streams (the catalog's and any object's),
application private data (/PieceInfo) and the author of each comment
annotation are removed with pikepdf (qpdf), reading the decrypting stream
and writing the encrypting one, with a new document id derived from the
content.

A document that can not be cleaned (damaged, encrypted with a password, a
DTD in its XML, too large when unpacked) is refused: keeping it as it is
would break the promise.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

# What can be reported as removed (the web layer words them).
AUTHOR = "author"
LAST_MODIFIED_BY = "last_modified_by"
COMPANY = "company"
COMMENTS = "comments"
REVISIONS = "revisions"
CUSTOM_PROPERTIES = "custom_properties"
PROPERTIES = "properties"  # title, subject, keywords, dates, application, template, printer
XMP = "xmp"
REMOVABLE = (AUTHOR, LAST_MODIFIED_BY, COMPANY, COMMENTS, REVISIONS, CUSTOM_PROPERTIES,
             PROPERTIES, XMP)

OOXML_EXTENSIONS = ("docx", "xlsx", "pptx")
ODF_EXTENSIONS = ("odt",)
NEUTRAL_AUTHOR = "Auteur"
NEUTRAL_DATE = "2000-01-01T00:00:00"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Unpacked, a zip may be a thousand times its size: bounded work per file.
MAX_UNPACKED = 512 * 1024 * 1024
MAX_ENTRIES = 10_000
# Parts read whole (relationships, content types, properties) are small.
MAX_SMALL_PART = 4 * 1024 * 1024
CHUNK = 64 * 1024

# Relationship types (the last part of the URI) whose targets are hidden
# data only: comments and their authors (Word, Excel, PowerPoint, old and
# new), custom properties, custom XML (e.g. SharePoint columns with names),
# the path of the template, shared-workbook revision logs and user names.
DROPPED_RELATIONSHIPS = {
    "comments": COMMENTS, "commentsExtended": COMMENTS, "commentsIds": COMMENTS,
    "commentsExtensible": COMMENTS, "people": COMMENTS, "commentAuthors": COMMENTS,
    "authors": COMMENTS, "threadedComment": COMMENTS, "person": COMMENTS,
    "custom-properties": CUSTOM_PROPERTIES, "customXml": CUSTOM_PROPERTIES,
    "attachedTemplate": PROPERTIES, "revisionHeaders": REVISIONS, "usernames": REVISIONS,
}
# PowerPoint's modern comments are linked from a slide's extension list.
MODERN_COMMENTS_EXT = "{6950BFC3-D8DA-4A85-94F7-54DA5524770B}"
CORE_FIELDS = {"creator": AUTHOR, "lastModifiedBy": LAST_MODIFIED_BY, "revision": REVISIONS}
APP_FIELDS = {"Company": COMPANY, "Manager": COMPANY, "TotalTime": REVISIONS}
META_FIELDS = {"initial-creator": AUTHOR, "creator": LAST_MODIFIED_BY,
               "editing-cycles": REVISIONS, "editing-duration": REVISIONS,
               "user-defined": CUSTOM_PROPERTIES, "printed-by": LAST_MODIFIED_BY}
EMPTY_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
              b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
              b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
              b'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>')
EMPTY_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
             b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
             b'2006/docPropsVTypes"/>')
EMPTY_META = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
              b'office:1.0" office:version="1.2"><office:meta/></office:document-meta>')
PRINTER_SETTINGS = {"PrinterName", "PrinterSetup", "PrinterPaperFromSetup"}


class DocumentNotCleanable(ValueError):
    """The document could not be read well enough to clean it."""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


# --- streaming XML ----------------------------------------------------------------


class Rules:
    """What a part's rewrite leaves out or changes. `found` collects the
    codes of what was there to remove."""

    def __init__(self, found: set[str]) -> None:
        self.found = found

    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        return False

    def attributes(self, name: str, attrs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return attrs

    def text(self, path: list[str]) -> str | None:
        return None


class WordRules(Rules):
    """WordprocessingML: comment marks go, tracked changes keep their text
    but get a neutral author and no date, revision ids (rsid) go, and the
    settings lose the revision ids, the template's path and document
    variables."""

    DROP = {"commentRangeStart": COMMENTS, "commentRangeEnd": COMMENTS,
            "commentReference": COMMENTS, "rsids": REVISIONS, "attachedTemplate": PROPERTIES,
            "docVars": CUSTOM_PROPERTIES}

    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        code = self.DROP.get(_local(name))
        if code:
            self.found.add(code)
        return code is not None

    def attributes(self, name: str, attrs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = []
        for key, value in attrs:
            local = _local(key)
            if local in ("author", "initials"):
                self.found.add(REVISIONS)
                kept.append((key, NEUTRAL_AUTHOR if local == "author" else ""))
            elif local == "date" or local.startswith("rsid"):
                self.found.add(REVISIONS)
            else:
                kept.append((key, value))
        return kept


class SheetRules(Rules):
    """SpreadsheetML: the user names of a shared workbook."""

    def attributes(self, name: str, attrs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = []
        for key, value in attrs:
            if _local(key) in ("userName", "lastEditedBy"):
                self.found.add(REVISIONS)
                continue
            kept.append((key, value))
        return kept


class SlideRules(Rules):
    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        if _local(name) == "ext" and attrs.get("uri") == MODERN_COMMENTS_EXT:
            self.found.add(COMMENTS)
            return True
        return False


class OpenDocumentRules(Rules):
    """ODF content and styles: comments go; tracked changes keep their text
    with a neutral author and date; the settings lose the printer."""

    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        if name in ("office:annotation", "office:annotation-end"):
            self.found.add(COMMENTS)
            return True
        if name == "config:config-item" and attrs.get("config:name") in PRINTER_SETTINGS:
            self.found.add(PROPERTIES)
            return True
        return False

    def text(self, path: list[str]) -> str | None:
        if len(path) >= 2 and path[-2] == "office:change-info":
            if path[-1] == "dc:creator":
                self.found.add(REVISIONS)
                return NEUTRAL_AUTHOR
            if path[-1] == "dc:date":
                self.found.add(REVISIONS)
                return NEUTRAL_DATE
        return None


def _refuse_dtd(*_args: object) -> None:
    raise DocumentNotCleanable("a DTD in the document's XML")


def _parser() -> expat.XMLParserType:
    """An expat parser that refuses any DTD (no entity expansion, no
    external entities) and hands attributes over in their order."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _parse(parser: expat.XMLParserType, chunks: Iterator[bytes], what: str) -> None:
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise DocumentNotCleanable(f"{what} is damaged") from exc


def rewrite_xml(chunks: Iterator[bytes], write: Callable[[bytes], object], rules: Rules) -> None:
    """Stream XML from `chunks` to `write`, applying `rules`; UTF-8 out.
    A DTD (entity tricks) or malformed XML raises DocumentNotCleanable."""
    out: list[str] = []
    size = [0]
    path: list[str] = []
    dropping = [0]  # depth inside a dropped element
    pending_start = [False]  # "<name attrs" written, ">" or "/>" not yet
    replaced: list[bool] = []

    def emit(text: str) -> None:
        out.append(text)
        size[0] += len(text)
        if size[0] >= CHUNK:
            flush()

    def flush() -> None:
        if out:
            write("".join(out).encode("utf-8"))
            out.clear()
            size[0] = 0

    def close_start() -> None:
        if pending_start[0]:
            emit(">")
            pending_start[0] = False

    def xml_decl(version: str | None, encoding: str | None, standalone: int) -> None:
        sa = {1: ' standalone="yes"', 0: ' standalone="no"'}.get(standalone, "")
        emit(f'<?xml version="{version or "1.0"}" encoding="UTF-8"{sa}?>\n')

    def start(name: str, attributes: list[str]) -> None:
        pairs = list(zip(attributes[::2], attributes[1::2], strict=True))
        if dropping[0]:
            dropping[0] += 1
            return
        if rules.drop(name, dict(pairs), path):
            dropping[0] = 1
            return
        close_start()
        path.append(name)
        replaced.append(False)
        attrs = "".join(f" {key}={quoteattr(value)}"
                        for key, value in rules.attributes(name, pairs))
        emit(f"<{name}{attrs}")
        pending_start[0] = True

    def end(name: str) -> None:
        if dropping[0]:
            dropping[0] -= 1
            return
        if pending_start[0]:
            emit("/>")
            pending_start[0] = False
        else:
            emit(f"</{name}>")
        path.pop()
        replaced.pop()

    def characters(data: str) -> None:
        if dropping[0]:
            return
        replacement = rules.text(path) if path else None
        if replacement is not None:
            if replaced[-1]:
                return
            replaced[-1] = True
            data = replacement
        close_start()
        emit(escape(data))

    def instruction(target: str, data: str) -> None:
        if not dropping[0]:
            close_start()
            emit(f"<?{target} {data}?>")

    parser = _parser()
    parser.XmlDeclHandler = xml_decl
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.ProcessingInstructionHandler = instruction
    _parse(parser, chunks, "the document's XML")
    flush()


def _fields(data: bytes, table: dict[str, str], found: set[str]) -> None:
    """Which properties a small properties part filled in (codes of `table`,
    anything else non-empty counts as PROPERTIES)."""
    stack: list[str] = []

    def start(name: str, _attributes: list[str]) -> None:
        stack.append(name)

    def end(_name: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if len(stack) >= 2 and text.strip():
            # The field is the child of the root (or, in ODF, of office:meta).
            field = _local(stack[1] if len(stack) == 2 else stack[2])
            found.add(table.get(field, PROPERTIES))

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    _parse(parser, iter([data]), "the document's properties")


# --- zip packages -----------------------------------------------------------------


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_UNPACKED

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise DocumentNotCleanable("too large when unpacked")


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            budget.take(len(chunk))
            yield chunk


def _small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    if info.file_size > MAX_SMALL_PART:
        raise DocumentNotCleanable("a package part is too large")
    data = b"".join(_chunks(archive, info, budget))
    if len(data) > MAX_SMALL_PART:
        raise DocumentNotCleanable("a package part is too large")
    return data


def _rels_source_dir(rels_name: str) -> str:
    """"word/_rels/document.xml.rels" -> "word"; "_rels/.rels" -> ""."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    return folder


def _rels_of(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _relationships(data: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def start(name: str, attributes: list[str]) -> None:
        if _local(name) == "Relationship":
            found.append(dict(zip(attributes[::2], attributes[1::2], strict=True)))

    parser = _parser()
    parser.StartElementHandler = start
    _parse(parser, iter([data]), "the package's relationships")
    return found


def _target(source_dir: str, relation: dict[str, str]) -> str | None:
    if relation.get("TargetMode") == "External":
        return None
    target = relation.get("Target", "")
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(source_dir, target))


def _kind(relation: dict[str, str]) -> str:
    return relation.get("Type", "").rsplit("/", 1)[-1]


class _DropRelations(Rules):
    def __init__(self, found: set[str], removed: set[str], source_dir: str) -> None:
        super().__init__(found)
        self.removed, self.source_dir = removed, source_dir

    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        if _local(name) != "Relationship":
            return False
        code = DROPPED_RELATIONSHIPS.get(_kind(attrs))
        if code:
            self.found.add(code)
            return True
        target = _target(self.source_dir, attrs)
        return target is not None and target in self.removed


class _DropOverrides(Rules):
    def __init__(self, found: set[str], removed: set[str]) -> None:
        super().__init__(found)
        self.removed = removed

    def drop(self, name: str, attrs: dict[str, str], path: list[str]) -> bool:
        return (_local(name) == "Override"
                and attrs.get("PartName", "").lstrip("/") in self.removed)


def _removed_parts(archive: zipfile.ZipFile, names: set[str], budget: _Budget) -> set[str]:
    """The parts that hold hidden data only, with the parts only they use."""
    relations: dict[str, list[dict[str, str]]] = {}
    for name in names:
        if name.endswith(".rels"):
            relations[name] = _relationships(_small(archive, archive.getinfo(name), budget))
    removed: set[str] = set()
    for rels_name, found in relations.items():
        source_dir = _rels_source_dir(rels_name)
        for relation in found:
            target = _target(source_dir, relation)
            if target and _kind(relation) in DROPPED_RELATIONSHIPS:
                removed.add(target)
    # What a removed part links to goes too, unless a kept part links to it.
    while True:
        kept_targets = {
            target for rels_name, found in relations.items()
            if rels_name not in {_rels_of(p) for p in removed}
            for relation in found
            if (target := _target(_rels_source_dir(rels_name), relation))
            and _kind(relation) not in DROPPED_RELATIONSHIPS}
        more = {
            target for part in removed for relation in relations.get(_rels_of(part), [])
            if (target := _target(posixpath.dirname(part), relation))
            and target not in kept_targets and target not in removed}
        if not more:
            break
        removed |= more
    return removed | {_rels_of(part) for part in removed}


def _zip_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The same name and compression, nothing else: no times, no extra fields."""
    clean = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
    clean.compress_type = info.compress_type if info.compress_type in (
        zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED
    clean.external_attr = 0o600 << 16
    return clean


def _open_archive(source: BinaryIO) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DocumentNotCleanable("not a readable zip package") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise DocumentNotCleanable("too many parts")
    if any(info.flag_bits & 0x1 for info in infos):
        raise DocumentNotCleanable("encrypted")
    return archive


def _part_rules(name: str, found: set[str]) -> Rules:
    if name.startswith("word/"):
        return WordRules(found)
    if name.startswith("xl/"):
        return SheetRules(found)
    if name.startswith("ppt/slides/"):
        return SlideRules(found)
    return Rules(found)


# A part the format treats specially: write it (cleaned) and return True,
# or return False to have it rewritten (XML) or copied (anything else).
SpecialPart = Callable[[zipfile.ZipFile, zipfile.ZipInfo, zipfile.ZipInfo, zipfile.ZipFile],
                       bool]


def _rewrite_package(archive: zipfile.ZipFile, target: BinaryIO, budget: _Budget,
                     skip: set[str], special: SpecialPart,
                     rules_for: Callable[[str], Rules]) -> None:
    """Write the archive's entries to `target` in their order: left out
    when in `skip`, by `special` when it takes them, XML streamed through
    `rules_for(name)`, anything else copied; every entry with a fixed date."""
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                if info.filename in skip or info.is_dir():
                    continue
                entry = _zip_entry(info)
                if special(archive, info, entry, out):
                    continue
                with out.open(entry, "w") as stream:
                    if info.filename.endswith(".xml"):
                        rewrite_xml(_chunks(archive, info, budget), stream.write,
                                    rules_for(info.filename))
                    else:
                        for chunk in _chunks(archive, info, budget):
                            stream.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise DocumentNotCleanable("the package is damaged") from exc


def clean_office_open_xml(source: BinaryIO, target: BinaryIO) -> frozenset[str]:
    """Write a cleaned copy of a docx, xlsx or pptx; the codes of what was
    removed. Raises DocumentNotCleanable."""
    found: set[str] = set()
    budget = _Budget()
    with _open_archive(source) as archive:
        removed = _removed_parts(archive, {i.filename for i in archive.infolist()}, budget)

        def special(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: zipfile.ZipInfo,
                    out: zipfile.ZipFile) -> bool:
            name = info.filename
            if name in ("docProps/core.xml", "docProps/app.xml"):
                core = name == "docProps/core.xml"
                _fields(_small(archive, info, budget), CORE_FIELDS if core else APP_FIELDS,
                        found)
                out.writestr(entry, EMPTY_CORE if core else EMPTY_APP)
                return True
            if name.endswith(".rels") or name == "[Content_Types].xml":
                rules: Rules = (
                    _DropOverrides(found, removed) if name == "[Content_Types].xml"
                    else _DropRelations(found, removed, _rels_source_dir(name)))
                with out.open(entry, "w") as stream:
                    rewrite_xml(iter([_small(archive, info, budget)]), stream.write, rules)
                return True
            return False

        _rewrite_package(archive, target, budget, removed, special,
                         lambda name: _part_rules(name, found))
    return frozenset(found)


def clean_open_document(source: BinaryIO, target: BinaryIO) -> frozenset[str]:
    """Write a cleaned copy of an OpenDocument file; the codes of what was
    removed. Raises DocumentNotCleanable."""
    found: set[str] = set()
    budget = _Budget()
    with _open_archive(source) as archive:
        names = [info.filename for info in archive.infolist()]
        if "META-INF/manifest.xml" in names and b"encryption-data" in _small(
                archive, archive.getinfo("META-INF/manifest.xml"), budget):
            raise DocumentNotCleanable("encrypted")

        def special(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: zipfile.ZipInfo,
                    out: zipfile.ZipFile) -> bool:
            if info.filename == "mimetype":  # first, uncompressed: how ODF is recognised
                entry.compress_type = zipfile.ZIP_STORED
                out.writestr(entry, _small(archive, info, budget))
                return True
            if info.filename == "meta.xml":
                _fields(_small(archive, info, budget), META_FIELDS, found)
                out.writestr(entry, EMPTY_META)
                return True
            return False

        _rewrite_package(archive, target, budget, set(), special,
                         lambda _name: OpenDocumentRules(found))
    return frozenset(found)


# --- PDF --------------------------------------------------------------------------

PDF_INFO_FIELDS = {"/Author": AUTHOR}


def clean_pdf(source: BinaryIO, target: BinaryIO) -> frozenset[str]:
    """Write a copy of a PDF without its document information, XMP metadata,
    application data and comment authors; the codes of what was removed.
    Raises DocumentNotCleanable (damaged, or a password is needed to open it)."""
    import pikepdf

    found: set[str] = set()
    try:
        with pikepdf.open(source) as pdf:
            if "/Info" in pdf.trailer:
                info = pdf.trailer.Info
                for key in info.keys():  # noqa: SIM118 - a pikepdf Dictionary
                    if str(info.get(key, "")).strip():
                        found.add(PDF_INFO_FIELDS.get(str(key), PROPERTIES))
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    continue
                for key, code in (("/Metadata", XMP), ("/PieceInfo", PROPERTIES)):
                    if key in obj:
                        del obj[key]
                        found.add(code)
                if obj.get("/Type") == "/Annot" and "/T" in obj and obj.get("/Subtype") not in (
                        "/Widget", "/Link"):
                    del obj["/T"]  # a comment's author
                    found.add(COMMENTS)
            # Every stream as it came (not decoded, not compressed again):
            # the content is not what is cleaned, and deflating an
            # uncompressed 1 MiB stream took 21 of the 23 ms of the save.
            pdf.save(target, deterministic_id=True, fix_metadata_version=False,
                     preserve_pdfa=False, compress_streams=False,
                     stream_decode_level=pikepdf.StreamDecodeLevel.none)
    except pikepdf.PasswordError as exc:
        raise DocumentNotCleanable("a password is needed to open it") from exc
    except pikepdf.PdfError as exc:
        raise DocumentNotCleanable("the PDF is damaged") from exc
    return frozenset(found)


def clean_document(extension: str, source: BinaryIO, target: BinaryIO) -> frozenset[str]:
    """Clean a document of a type that has hidden data; the codes removed."""
    if extension in OOXML_EXTENSIONS:
        return clean_office_open_xml(source, target)
    if extension in ODF_EXTENSIONS:
        return clean_open_document(source, target)
    if extension == "pdf":
        return clean_pdf(source, target)
    raise ValueError(f"no cleaning for {extension}")
