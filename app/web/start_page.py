"""The start page's sections and the admin's rewording of them.

Each section has a shipped text per language, built from the translation
catalog; the functional administrator may override it per language (a
`PageText` row) and reset it (delete the row). Texts are plain: blank lines
separate paragraphs and lines that start with "- " are bullets. They are
turned into blocks that the template escapes; nothing typed is ever rendered
as HTML, and a typed address stays text (reporter pages link nowhere outside).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import PageText, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional
from app.vocabulary import AuditAction
from app.web.i18n import LANGUAGES

MAX_CHARS = 3000
# Bidirectional embedding, override and isolate controls: they can make text
# read differently from how it is stored ("Trojan source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _bullets(*items: str) -> str:
    return "\n".join(f"- {item}" for item in items)


def _default_intro() -> str:
    return _("Here you can report, safely and anonymously if you wish, a suspected integrity "
             "violation or unwanted behaviour such as bullying, sexual harassment, aggression, "
             "discrimination or racism.")


def _default_what() -> str:
    return _bullets(
        _("Integrity violations, such as fraud, theft, conflicts of interest, leaking "
          "confidential information or misuse of official resources."),
        _("Unwanted behaviour: bullying, sexual harassment, aggression and violence, "
          "discrimination and racism."),
        _("A wrongdoing that affects the public interest (whistleblowing)."),
    ) + "\n\n" + _("Employees, former employees, trainees and contractors can all report here.")


def _default_advice_route() -> str:
    return _("A confidential counsellor (vertrouwenspersoon) listens, advises and supports you. "
             "Nothing is passed on without your permission. You decide on any next step.")


def _default_report_route() -> str:
    return _("The integrity coordinator assesses your report and, if needed, has it looked "
             "into. You hear what is done with it.")


def _default_next_steps() -> str:
    return _bullets(
        _("After sending you get a receipt code. With it you open your mailbox; nobody else "
          "can."),
        _("Within 7 days you get an acknowledgement in your mailbox."),
        _("Within 3 months of that you hear what has been done with your report."),
        _("In your mailbox you can answer questions, add information and files, ask for a "
          "meeting, or withdraw your report."),
    )


def _default_protection() -> str:
    return _("Reporting in good faith must never harm you. The law (Wet bescherming "
             "klokkenluiders) forbids any disadvantage because you reported, and you can report "
             "anonymously. Your report is encrypted; only the people handling it can read it.")


def _default_vp_duty() -> str:
    return _("Please note: a confidential counsellor who is a civil servant must report official "
             "crimes (ambtsmisdrijven) that they learn about to the police or the public "
             "prosecutor.")


def _default_elsewhere() -> str:
    return _bullets(
        _("The company social worker (bedrijfsmaatschappelijk werk), for support with personal "
          "or work-related problems."),
        _("Your HR adviser (personeelsraadgever), for questions about your position and work."),
        _("The Huis voor Klokkenluiders (huisvoorklokkenluiders.nl), for confidential advice "
          "about a wrongdoing and for an external investigation."),
        _("External authorities that are competent for the subject, such as the police, the "
          "Labour Inspectorate or the Dutch Data Protection Authority."),
    )


@dataclass(frozen=True)
class Section:
    key: str
    label: object  # lazy string: what the admin page calls it
    default: Callable[[], str]


# In page order. Headings, buttons and links stay in the template.
SECTIONS: tuple[Section, ...] = (
    Section("intro", _l("Introduction"), _default_intro),
    Section("what", _l("What can you report here?"), _default_what),
    Section("advice_route", _l("Talk in confidence: the confidential counsellor"),
            _default_advice_route),
    Section("report_route", _l("A formal report: the integrity coordinator"),
            _default_report_route),
    Section("next_steps", _l("What happens next, and when"), _default_next_steps),
    Section("protection", _l("You are protected"), _default_protection),
    Section("vp_duty", _l("Duty of a confidential counsellor who is a civil servant to report "
                          "official crimes"), _default_vp_duty),
    Section("elsewhere", _l("Other places you can go"), _default_elsewhere),
)
SECTION_KEYS = tuple(section.key for section in SECTIONS)
_BY_KEY = {section.key: section for section in SECTIONS}


class PageTextRefused(Invalid, ValueError):
    """Typed text that can not be stored; `code` names the reason."""

    area = "page_text"


def is_section(section: str, lang: str) -> bool:
    return section in _BY_KEY and lang in LANGUAGES


def default_text(section: str, lang: str) -> str:
    with force_locale(lang):
        return _BY_KEY[section].default()


def clean_text(raw: str) -> str:
    """The text as it will be stored, or PageTextRefused."""
    if len(raw) > 2 * MAX_CHARS:  # do not scan a megabyte that is refused anyway
        raise PageTextRefused("too_long", max=MAX_CHARS)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    for char in text:
        if char == "\n":
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            raise PageTextRefused("control")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not text.strip():
        raise PageTextRefused("empty")
    if len(text) > MAX_CHARS:
        raise PageTextRefused("too_long", max=MAX_CHARS)
    return text


# A block is ("p", lines) or ("ul", items); the template escapes every string.
Block = tuple[str, list[str]]


def blocks(text: str) -> list[Block]:
    """Paragraphs (split at blank lines; a single line break stays a line
    break) and bullet lists (consecutive lines that start with "- ")."""
    out: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        kind_before = ""
        for line in chunk.split("\n"):
            stripped = line.strip()
            bullet = stripped.startswith("- ") or stripped == "-"
            item = stripped[1:].strip() if bullet else stripped
            if not item:
                continue
            kind = "ul" if bullet else "p"
            if kind == kind_before:
                out[-1][1].append(item)
            else:
                out.append((kind, [item]))
                kind_before = kind
    return out


@dataclass(frozen=True)
class SectionText:
    key: str
    label: object
    text: str
    blocks: list[Block]
    overridden: bool
    updated_by: str | None = None
    updated_at: datetime | None = None


def _overrides(session: Session, lang: str) -> dict[str, PageText]:
    rows = session.scalars(select(PageText).where(PageText.lang == lang))
    return {row.section: row for row in rows if row.section in _BY_KEY}


def section_text(session: Session, section: str, lang: str) -> SectionText:
    return _section_text(_BY_KEY[section], _overrides(session, lang).get(section), lang, session)


def _section_text(section: Section, row: PageText | None, lang: str,
                  session: Session) -> SectionText:
    if row is None:
        text = default_text(section.key, lang)
        return SectionText(section.key, section.label, text, blocks(text), False)
    user = session.get(User, row.updated_by_id)
    return SectionText(section.key, section.label, row.body, blocks(row.body), True,
                       user.display_name if user else None, row.updated_at)


def page_texts(session: Session, lang: str) -> dict[str, SectionText]:
    """Every section of the start page in `lang`: the override or the default."""
    rows = _overrides(session, lang)
    return {s.key: _section_text(s, rows.get(s.key), lang, session) for s in SECTIONS}


@transactional
def save_text(session: Session, rt: Runtime, admin: User, section: str, lang: str,
              raw: str) -> bool:
    """Store the admin's text; False when it equals what is stored already.
    One audit entry per change, naming section and language, never the text.
    Owns its transaction."""
    if not is_section(section, lang):
        raise ValueError("unknown section or language")
    body = clean_text(raw)
    row = session.scalar(select(PageText).where(PageText.section == section,
                                                PageText.lang == lang))
    if row is not None and row.body == body:
        return False
    if row is None:
        row = PageText(section=section, lang=lang, body=body, updated_by_id=admin.id)
        session.add(row)
    row.body = body
    row.updated_by_id = admin.id
    row.updated_at = utcnow()
    session.flush()
    rt.audit.record(session, actor=f"user:{admin.id}", action=AuditAction.ADMIN_PAGE_TEXT_CHANGED,
                    object_type="page_text", object_id=f"{section}/{lang}")
    return True


@transactional
def reset_text(session: Session, rt: Runtime, admin: User, section: str,
               lang: str) -> bool:
    """Back to the shipped text; False when there was no override. Owns its
    transaction."""
    if not is_section(section, lang):
        raise ValueError("unknown section or language")
    row = session.scalar(select(PageText).where(PageText.section == section,
                                                PageText.lang == lang))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    rt.audit.record(session, actor=f"user:{admin.id}", action=AuditAction.ADMIN_PAGE_TEXT_RESET,
                    object_type="page_text", object_id=f"{section}/{lang}")
    return True
