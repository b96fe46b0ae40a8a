"""What every `meldpunt` command needs: the settings, the runtime, a way to fail."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import current_app

from app.config import Settings
from app.runtime import Runtime


def settings() -> Settings:
    loaded: Settings = current_app.extensions["meldpunt.settings"]
    return loaded


def runtime() -> Runtime:
    """The app's runtime, loaded now if keys were created after app start."""
    rt: Runtime | None = current_app.extensions.get("meldpunt.runtime")
    if rt is None:
        rt = Runtime.load(settings(), current_app.extensions["meldpunt.engine"])
        current_app.extensions["meldpunt.runtime"] = rt
    return rt


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
