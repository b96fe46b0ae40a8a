"""A blind index of names: a keyed digest that finds the same name again
without storing the name.

`normalise_name` makes the spellings people type of one name equal: case
folded, diacritics removed (Zoë and Zoe), runs of white space one space,
nothing around it. `blind_index` is HMAC-SHA256 of that text under a key that
lives outside the database (`keys/person_index.key`): without the key a
digest can not be tested against a guessed name; with it, it can (see
SECURITY.md, "Persons concerned: the blind index").
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

DOMAIN = b"meldpunt-person-index-v1\0"
DIGEST_LEN = 32


def normalise_name(name: str) -> str:
    """Case-folded, without diacritics, white space collapsed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFKC", bare).casefold().split())


def blind_index(key: bytes, name: str) -> bytes | None:
    """The digest of a name, or None for a name that is empty once normalised."""
    normalised = normalise_name(name)
    if not normalised:
        return None
    return hmac.digest(key, DOMAIN + normalised.encode("utf-8"), hashlib.sha256)
