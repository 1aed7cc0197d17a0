"""The heatmap engine."""
