"""The one place a redirect target that came with the request is checked.

Only a path on this site passes: it starts with one "/", holds no control
character, whitespace or backslash, and parses with neither a scheme nor an
authority, also after percent-decoding (browsers read "/%2F/x" and
"/\\t/x" as "//x"). Anything else becomes the fallback, never an error.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_TARGET = 2000


def _looks_like_a_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//"):
        return False
    if any(ch.isspace() or ch == "\\" or unicodedata.category(ch)[0] == "C" for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_local_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, otherwise `fallback`."""
    if not target or len(target) > MAX_TARGET:
        return fallback
    if _looks_like_a_path(target) and _looks_like_a_path(unquote(target)):
        return target
    return fallback
