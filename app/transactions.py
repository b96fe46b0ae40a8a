"""Who commits: the domain function that owns the unit of work.

A domain function that owns its transaction is decorated `@transactional`
(or opens `unit_of_work(session)` itself): its work is committed when it
returns and rolled back when it raises. Called from inside another owning
function it joins that one's transaction and commits nothing: only the
outermost unit commits, so a caller that does several things gets them all
or none. Helpers never commit; routes and commands never commit either.

If an inner unit raises and its caller catches the error and carries on,
the inner unit's writes so far stay in the outer transaction: the caller
that catches decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "meldpunt.unit_of_work_depth"


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit the work done inside on leaving it, roll it back on any
    exception (re-raised); nested inside another unit, do neither."""
    depth: int = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def transactional(function: Callable[P, R]) -> Callable[P, R]:
    """The decorated domain function owns its transaction (see unit_of_work).
    Its session is its first positional argument or its `session` keyword."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = kwargs.get("session", args[0] if args else None)
        if not isinstance(session, Session):
            raise TypeError(f"{function.__qualname__}: the first argument must be the session")
        with unit_of_work(session):
            return function(*args, **kwargs)

    return wrapper


def abandon(session: Session) -> None:
    """Throw away whatever a failed request left in the session, so an error
    page (or the health check) can still use it. For error handlers only:
    the failure happened outside any unit of work, or after it rolled back."""
    session.rollback()
