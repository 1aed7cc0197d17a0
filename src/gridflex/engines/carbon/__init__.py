"""The carbon engine."""
