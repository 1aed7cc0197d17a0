"""The one thing pyproject.toml does not say: the optional C extension.

``_sqlite_scan`` makes bulk belief reads on SQLite 6x faster (see
store/queries/sqlite_scan.py). ``optional=True``: without a C compiler the install
still succeeds and those reads go through the sqlite3 module.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gridflex.store.queries._sqlite_scan",
            sources=["src/gridflex/store/queries/_sqlite_scan.c"],
            optional=True,
        )
    ]
)
