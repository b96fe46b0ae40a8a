"""URL converters: `<int:...>` bounded to what the database can hold, and
`<...>` strings without control characters.

Werkzeug's integer converter accepts any number of digits; a 30-digit id
then reached the database and failed there (SQLite: OverflowError, a 500;
PostgreSQL: out of range, a 503). Likewise PostgreSQL refuses a NUL
character in a text parameter. Bounded, such URLs simply do not match: 404.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter as WerkzeugIntegerConverter
from werkzeug.routing import Map
from werkzeug.routing import UnicodeConverter as WerkzeugUnicodeConverter

# Primary keys are INTEGER columns: PostgreSQL's int4 is the narrowest.
ID_MAX = 2**31 - 1


class IntegerConverter(WerkzeugIntegerConverter):
    """Werkzeug's, with a default maximum. (Same class name: code that looks
    at a rule's converter by name still sees an integer converter.)"""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


class UnicodeConverter(WerkzeugUnicodeConverter):
    """Werkzeug's default string converter, without control characters."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")
