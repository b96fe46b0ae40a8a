"""URL converters: `<int:...>` bounded to what the database can hold.

Werkzeug's integer converter accepts any number of digits; a 30-digit id
then reached the database and failed there (SQLite: OverflowError, a 500;
PostgreSQL: out of range). Bounded, such a URL simply does not match: 404.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter as WerkzeugIntegerConverter
from werkzeug.routing import Map

BIGINT_MAX = 2**63 - 1


class IntegerConverter(WerkzeugIntegerConverter):
    """Werkzeug's, with a default maximum. (Same class name: code that looks
    at a rule's converter by name still sees an integer converter.)"""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)
