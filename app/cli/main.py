"""The `meldpunt` command's entry point: the app with its commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from app import create_app


def main() -> None:
    cli = FlaskGroup(create_app=lambda: create_app(for_cli=True), add_default_commands=True)
    cli.main(prog_name="meldpunt")
