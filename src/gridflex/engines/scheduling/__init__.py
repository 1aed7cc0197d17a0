"""The scheduling engine."""
