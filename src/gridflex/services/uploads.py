"""File uploads with a result per file: each file is stored whole or not at all.

The API's upload stores all files of a request or none; a person uploading
several files in the web UI wants to know which ones went in and why the others
did not, so here each file is checked and written on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy.orm import Session

from gridflex.errors import GridflexError
from gridflex.services import belief_files, beliefs, sources
from gridflex.store.models import Sensor, User


@dataclass(frozen=True)
class FileResult:
    name: str
    stored: int = 0
    already_known: int = 0
    error: str | None = None


def ingest_files(
    session: Session,
    sensor: Sensor,
    user: User,
    files: list[tuple[str, IO[bytes]]],
    *,
    unit: str | None,
    now: datetime,
) -> list[FileResult]:
    """Store each file's beliefs as the user's data source; a refused file stores nothing."""
    source = sources.user_source(session, user)
    results = []
    for name, file in files:
        stored = known = 0
        try:
            with session.begin_nested():  # a savepoint: a file refused late leaves nothing behind
                for frame in belief_files.frames_from_file(
                    file, name, sensor, unit=unit, measured_instantly=False, now=now
                ):
                    written = beliefs.write_beliefs(session, sensor, source, frame)
                    stored, known = stored + written.stored, known + written.already_known
        except GridflexError as exc:
            results.append(FileResult(name, error=exc.message))
            continue
        results.append(FileResult(name, stored, known))
    return results
