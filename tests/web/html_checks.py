"""Structural accessibility checks on a rendered page, with the standard
library's HTML parser: what HTML_CodeSniffer, IBM Equal Access and the Nu
HTML Checker report and axe-core does not (WCAG 2.1 1.3.1, 1.3.5, 2.4.1,
3.1.2, 4.1.1, 4.1.2). Each function returns the problems it finds as
strings, so a test can assert the list is empty and show what is wrong."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
RAW_TEXT = {"script", "style"}
# Elements that may carry aria-labelledby / aria-label: a plain div or span
# has no role, so a name on it is ignored (ARIA 1.2, "naming prohibited").
NAMELESS_ROLES = {"div", "span", "p", "b", "i", "em", "strong", "small", "code", "pre"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> list[Node]:
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                found.append(child)
                found.extend(child.iter())
        return found

    def lang(self) -> str:
        node: Node | None = self
        while node is not None:
            if "lang" in node.attrs:
                return node.attrs["lang"]
            node = node.parent
        return ""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


@dataclass
class Page:
    root: Node

    def all(self, tag: str | None = None) -> list[Node]:
        return [n for n in self.root.iter() if tag is None or n.tag == tag]

    def by_id(self, element_id: str) -> Node | None:
        return next((n for n in self.root.iter() if n.attrs.get("id") == element_id), None)


def parse(html: str) -> Page:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return Page(builder.root)


STRAY_LT = re.compile(r"<(?![A-Za-z/!?])")
RAW = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.S | re.I)


def stray_less_than(html: str) -> list[str]:
    """An unescaped '<' that starts no tag (Nu HTML Checker: 'Bad character
    after <'); script and style contents and comments aside."""
    text = RAW.sub("", html)
    return [text[max(0, m.start() - 40):m.start() + 40] for m in STRAY_LT.finditer(text)]


def duplicate_ids(page: Page) -> list[str]:
    """Every id once per page - hidden inputs too (4.1.1; the Nu HTML Checker
    reports a repeated csrf_token id)."""
    counts = Counter(n.attrs["id"] for n in page.all() if "id" in n.attrs)
    return sorted(f"#{i} x{n}" for i, n in counts.items() if n > 1)


def broken_fragment_links(page: Page) -> list[str]:
    """Links to '#id' on the same page whose target does not exist."""
    ids = {n.attrs["id"] for n in page.all() if "id" in n.attrs}
    return [n.attrs["href"] for n in page.all("a")
            if n.attrs.get("href", "").startswith("#") and len(n.attrs["href"]) > 1
            and n.attrs["href"][1:] not in ids]


def required_selects_with_a_value_first(page: Page) -> list[str]:
    """A required select's first option must be an empty placeholder, or
    'required' means nothing (HTML: placeholder label option)."""
    problems = []
    for select in page.all("select"):
        if "required" not in select.attrs:
            continue
        options = [n for n in select.iter() if n.tag == "option"]
        if options and options[0].attrs.get("value", options[0].text()) != "":
            problems.append(f"select#{select.attrs.get('id')} starts with "
                            f"value={options[0].attrs.get('value')!r}")
    return problems


def names_on_plain_elements(page: Page) -> list[str]:
    """aria-labelledby / aria-label on an element without a role."""
    return [f"{n.tag}#{n.attrs.get('id', '')} {key}"
            for n in page.all() if n.tag in NAMELESS_ROLES and "role" not in n.attrs
            for key in ("aria-labelledby", "aria-label") if key in n.attrs]


def empty_navigation(page: Page) -> list[str]:
    """A navigation landmark with no link in it."""
    return [n.attrs.get("aria-label", "nav") for n in page.all("nav")
            if not any(c.tag in ("a", "button") for c in n.iter())]


def unnamed_headers(page: Page) -> list[str]:
    """Every table header has text (visible or visually hidden) or a label."""
    return [f"th in table {_table_of(n)}" for n in page.all("th")
            if not n.text().strip() and not n.attrs.get("aria-label", "").strip()]


def _table_of(node: Node) -> str:
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    if parent is None:
        return "?"
    caption = next((c for c in parent.iter() if c.tag == "caption"), None)
    return repr(caption.text().strip()[:40]) if caption else parent.attrs.get("id", "?")


def unlabelled_figures(page: Page) -> list[str]:
    """Every figure has a figcaption or an accessible name."""
    return [f"figure#{n.attrs.get('id', '')}" for n in page.all("figure")
            if not any(c.tag == "figcaption" and c.text().strip() for c in n.iter())
            and not n.attrs.get("aria-label") and not n.attrs.get("aria-labelledby")]


def inputs_without_autocomplete(page: Page, names: set[str]) -> list[str]:
    """Fields that ask for the user's own name, e-mail or phone say so (1.3.5)."""
    return [f"{n.tag}[name={n.attrs.get('name')}]" for n in page.all()
            if n.tag in ("input", "textarea") and n.attrs.get("name") in names
            and not n.attrs.get("autocomplete")]
