"""Write marks: how far the primary's WAL was when a user's last write request committed.

Read routing (``gridflex.store.replica``) sends a user's read-only requests to the
streaming replica only once the replica has replayed past that user's mark, so a
client always reads its own writes. One row per user that ever wrote; no foreign
key (the row of a deleted user is harmless and small).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base


class WriteMark(Base):
    __tablename__ = "write_mark"

    user_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    wal_lsn: Mapped[int] = mapped_column(sa.BigInteger)  # pg_lsn as a byte position
