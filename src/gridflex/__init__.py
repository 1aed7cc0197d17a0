"""gridflex: an open energy-flexibility and grid-data platform."""

__version__ = "0.1.0"

__all__ = ["__version__"]
