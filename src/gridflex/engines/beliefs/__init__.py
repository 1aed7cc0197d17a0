"""The beliefs engine."""
