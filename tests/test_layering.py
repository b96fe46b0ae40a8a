"""The layering: domain below, web and CLI on top, no import circles.

Walks every module of `app/` with `ast`, counting imports at any depth
(function-level imports too), and fails when
- a module outside `app/web`, `app/cli` and the app factory imports Flask,
  a Flask extension or Werkzeug;
- a module below the web and CLI layers imports one of them (or the factory);
- any import circle exists between modules of `app/`.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# The app factory and the WSGI entry point sit on top of everything.
FACTORY = {"app", "app.wsgi"}
TOP_PACKAGES = ("app.web", "app.cli")
WEB_FRAMEWORKS = ("flask", "flask_", "werkzeug")


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


MODULES = _modules()


def _imports(path: Path) -> list[str]:
    """Every module named by an import anywhere in the file; `from a import b`
    names `a.b` when that is a module of the app, else `a`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append(candidate if candidate in MODULES else node.module)
    return found


def _graph() -> dict[str, set[str]]:
    return {name: {i for i in _imports(path) if i in MODULES and i != name}
            for name, path in MODULES.items()}


def _on_top(name: str) -> bool:
    return name in FACTORY or name.startswith(TOP_PACKAGES)


def test_only_web_cli_and_the_factory_import_flask_or_werkzeug():
    offenders = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items() if not _on_top(name)
        for imported in _imports(path)
        if imported.split(".")[0].startswith(WEB_FRAMEWORKS)
    )
    assert offenders == []


def test_nothing_below_the_web_and_cli_layers_imports_them():
    graph = _graph()
    offenders = sorted(f"{name} imports {target}" for name, targets in graph.items()
                       if not _on_top(name) for target in targets if _on_top(target))
    assert offenders == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_there_is_no_import_circle_between_modules_of_the_app():
    assert _circles(_graph()) == []


def test_the_circle_finder_finds_a_circle_and_function_level_imports():
    """The checks above can fail: a circle through a function-level import
    is found."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from flask import g\n")
    assert any(isinstance(n, ast.ImportFrom) and n.module == "flask" for n in ast.walk(tree))
