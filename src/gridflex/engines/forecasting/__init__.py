"""The forecasting engine."""
