"""Domain errors carry their status; the web turns them into pages in one place.

Every `DomainError` subclass becomes the error page with its own status
through the one handler; every code the app raises has a text in the one
message table; an unknown code shows a generic text, never the code itself
or a stack trace.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from flask_babel import refresh
from markupsafe import escape

from app.cases.access import AwaitingRegrant
from app.cases.uploads import UploadRefused
from app.cases.workflow import TRANSITIONS
from app.errors import DomainError, Invalid, NotFound
from app.models import Case
from app.web.messages import MESSAGES, message_for, status_text

APP = Path(__file__).resolve().parent.parent.parent / "app"
ENGLISH = {"Accept-Language": "en"}
UNKNOWN = "no_such_code_4e1f"


def _module_names() -> list[str]:
    names = []
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = {name: importlib.import_module(name) for name in _module_names()}


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Every DomainError class of the app (all modules are imported above).
ERRORS = sorted({c for c in _subclasses(DomainError) if c.__module__.startswith("app.")},
                key=lambda c: f"{c.__module__}.{c.__qualname__}")

# Classes whose constructor takes more than a code.
MAKERS: dict[type[DomainError], Callable[[], DomainError]] = {
    AwaitingRegrant: lambda: AwaitingRegrant(Case(number="MP-TEST-0001")),
    UploadRefused: lambda: UploadRefused("empty", "notes.txt"),
}


def _make(cls: type[DomainError]) -> DomainError:
    return MAKERS[cls]() if cls in MAKERS else cls()


def _english_text(app: Flask, error: DomainError) -> str:
    with app.test_request_context(headers=ENGLISH):
        refresh()
        return message_for(error)


@pytest.fixture()
def raising_app(app: Flask) -> Flask:
    """A test-only route that raises any DomainError (outside every blueprint)."""

    @app.route("/_test/domain-error/<int:index>")
    def _raise(index: int) -> str:
        raise _make(ERRORS[index])

    @app.route("/_test/domain-error/unknown")
    def _raise_unknown() -> str:
        raise NotFound(UNKNOWN, name="<b>x</b>")

    return app


def test_the_app_has_domain_errors_of_every_kind():
    statuses = {cls.status for cls in ERRORS}
    assert {400, 401, 403, 404, 409, 413, 429} <= statuses
    assert len(ERRORS) >= 20


@pytest.mark.parametrize("index", range(len(ERRORS)),
                         ids=[f"{c.__module__}.{c.__qualname__}" for c in ERRORS])
def test_every_domain_error_becomes_its_status_through_the_one_handler(raising_app, client,
                                                                       index):
    cls = ERRORS[index]
    response = client.get(f"/_test/domain-error/{index}", headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == cls.status
    assert 'lang="en"' in html
    assert str(escape(_english_text(raising_app, _make(cls)))) in html
    assert "Traceback" not in html


def test_an_unknown_code_shows_the_generic_text_of_its_status(raising_app, client):
    response = client.get("/_test/domain-error/unknown", headers=ENGLISH)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This page does not exist, or you do not have access to it." in html
    assert UNKNOWN not in html and "Traceback" not in html and "<b>x</b>" not in html
    with raising_app.test_request_context(headers=ENGLISH):
        refresh()
        assert message_for(Invalid(UNKNOWN)) == status_text(400)
        assert UNKNOWN not in message_for(Invalid(UNKNOWN))


def test_parameters_that_do_not_fit_the_text_show_the_generic_text(app):
    """A text whose placeholder is not given is never shown half-filled."""
    class Refusal(Invalid):
        area = "workflow"

    error = Refusal("target_restricted")  # its text needs %(name)s
    with app.test_request_context(headers=ENGLISH):
        refresh()
        assert message_for(error) == status_text(400)


def test_the_texts_are_translated_and_filled_in(app):
    from app.cases.workflow import WrongState

    refused = UploadRefused("empty", "notes.txt")
    with app.test_request_context():
        refresh()
        assert message_for(refused) == "notes.txt: dit bestand is leeg."
        assert message_for(WrongState("state")) == (
            "Dit kan niet in de huidige status van het dossier.")
    assert _english_text(app, refused) == "notes.txt: this file is empty."


def test_the_reporter_reads_their_own_text_for_the_same_minutes_code(app):
    from app.cases.minutes import MinutesChanged

    stale = MinutesChanged("stale")
    with app.test_request_context(headers=ENGLISH):
        refresh()
        assert message_for(stale, audience="reporter") == (
            "You already answered this record, or it has changed. Below you see how it "
            "stands now.")
        assert message_for(stale) == ("The minutes were changed or answered in the meantime. "
                                      "Check the current status and try again.")


# --- every code raised in app/ has a text ----------------------------------------------


def _choice_names(tree: ast.AST) -> set[str]:
    """The workflow parameters checked as a choice or a number: the names
    in `invalid_<name>`."""
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        # _choice(ctx, "<name>", allowed) and ctx.int_param("<name>")
        position = {"_choice": 1, "int_param": 0}.get(called)
        if position is not None and len(node.args) > position:
            name = node.args[position]
            if isinstance(name, ast.Constant):
                names.add(str(name.value))
    return names


def _resolve(expr: ast.expr | None, namespace: dict[str, object]) -> object:
    if isinstance(expr, ast.Name):
        return namespace.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, namespace)
        # Only names in modules and classes (an attribute of an object may run code).
        if isinstance(owner, ModuleType | type):
            return getattr(owner, expr.attr, None)
    return None


@dataclass(frozen=True)
class Built:
    """One place in app/ that builds (or raises) a DomainError."""

    where: str
    cls: type[DomainError]
    arg: ast.expr | None  # the code: None for the class's default code
    caught: object  # the error caught around it, if any
    tree: ast.AST


def _namespace(module: object, tree: ast.AST) -> dict[str, object]:
    """The module's names, plus what its functions import."""
    namespace = dict(vars(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported = importlib.import_module(node.module)
            for alias in node.names:
                namespace.setdefault(alias.asname or alias.name,
                                     getattr(imported, alias.name, None))
    return namespace


def _built() -> list[Built]:
    found = []
    for name, module in MODULES.items():
        path = Path(module.__file__ or "")
        tree = ast.parse(path.read_text(), str(path))
        namespace = _namespace(module, tree)
        parents = {child: parent for parent in ast.walk(tree)
                   for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name | ast.Attribute):
                target, arg = node.exc, None
            elif isinstance(node, ast.Call):
                target, arg = node.func, node.args[0] if node.args else None
            else:
                continue
            cls = _resolve(target, namespace)
            if not (isinstance(cls, type) and issubclass(cls, DomainError)):
                continue
            if cls is AwaitingRegrant:
                arg = None  # its argument is the case, its code the default
            handler = parents.get(node)
            while handler is not None and not isinstance(handler, ast.ExceptHandler):
                handler = parents.get(handler)
            caught = _resolve(handler.type, namespace) if handler is not None else None
            found.append(Built(f"{name}:{node.lineno}", cls, arg, caught, tree))
    return found


BUILT = _built()


def _literal_codes(cls: type[DomainError]) -> set[str]:
    """The codes built with a literal (or no) code by this class or its subclasses."""
    codes = set()
    for built in BUILT:
        if issubclass(built.cls, cls) and built.arg is None:
            codes.add(built.cls.default_code)
        elif issubclass(built.cls, cls) and isinstance(built.arg, ast.Constant):
            codes.add(str(built.arg.value))
    return codes


def _codes(built: Built) -> set[str]:
    arg = built.arg
    if arg is None:
        return {built.cls.default_code}
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.JoinedStr):
        prefix = "".join(str(v.value) for v in arg.values if isinstance(v, ast.Constant))
        if prefix == "invalid_":
            return {f"invalid_{name}" for name in _choice_names(built.tree)}
        if prefix == "missing_":
            return {f"missing_{p}" for t in TRANSITIONS.values() for p in t.params}
    # A code passed on from the error caught around it: that error's codes.
    caught = built.caught
    assert isinstance(caught, type) and issubclass(caught, DomainError), (
        f"{built.where}: a code the test can not follow: {ast.unparse(arg)}")
    return _literal_codes(caught)


def test_every_code_raised_in_the_app_has_a_text_in_the_one_table():
    assert len(BUILT) > 80  # the walk finds the raises (it can fail)
    missing = sorted(f"{b.where}: {b.cls.__name__} {b.cls.area}.{code}"
                     for b in BUILT for code in _codes(b)
                     if f"{b.cls.area}.{code}" not in MESSAGES)
    assert missing == []


def test_the_walk_follows_codes_built_from_names_and_passed_on():
    found = {f"{b.cls.area}.{code}" for b in BUILT for code in _codes(b)}
    assert {"workflow.invalid_track", "workflow.invalid_vp_id", "workflow.missing_findings",
            "workflow.no_key_yet", "upload.image_too_large", "case.not_found",
            "mailbox.throttled", "referral.consent", "page_text.control"} <= found
    assert "workflow.no_access" not in found  # NoAccess is not a CustodyError
