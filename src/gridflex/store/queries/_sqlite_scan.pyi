# The C extension of _sqlite_scan.c (see sqlite_scan.py for how it is used).

def bind(sqlite3_module_path: str) -> str | None:
    """Look up SQLite's functions through the loaded _sqlite3 module; its version, or None."""

def scan(
    database: str, sql: str, keys: list[int], lo: int, hi: int, timeout_ms: int
) -> tuple[bytes, bytes, bytes]:
    """Run ``sql`` per key: packed int64 and float64 columns, and the row count of each key."""
