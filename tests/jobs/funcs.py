"""Job functions used by the job tests (resolved by dotted path like real ones)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from gridflex.errors import InsufficientDataError
from gridflex.services import accounts


def add(session: Session, a: int, b: int) -> dict:
    return {"sum": a + b}


def create_then_fail(session: Session, name: str) -> None:
    accounts.create_account(session, name=name)
    session.flush()
    raise InsufficientDataError(f"No prices for {name}: at least 1 day is needed.")


def sleep(session: Session, seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


GATES: dict[str, threading.Event] = {}


def wait_for_gate(session: Session, gate: str) -> str:
    """Block until the test opens the gate (embedded jobs run in this process)."""
    GATES.setdefault(gate, threading.Event()).wait(timeout=30)
    return "slept"
