"""The engine's pinned public interface: every exported name exists and is documented."""

from __future__ import annotations

import inspect

import gridflex.engines.heatmap as heatmap


def test_every_exported_name_exists_once():
    assert len(set(heatmap.__all__)) == len(heatmap.__all__)
    missing = [name for name in heatmap.__all__ if not hasattr(heatmap, name)]
    assert missing == []


def test_every_exported_function_and_class_has_a_docstring():
    undocumented = [
        name
        for name in heatmap.__all__
        if (inspect.isfunction(obj := getattr(heatmap, name)) or inspect.isclass(obj))
        and not (obj.__doc__ or "").strip()
    ]
    assert undocumented == []
