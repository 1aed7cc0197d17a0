"""The public names of the forecasting engine are pinned."""

from __future__ import annotations

import json
import subprocess
import sys

import gridflex.engines.forecasting as forecasting


def test_public_names_are_pinned():
    assert sorted(forecasting.__all__) == sorted(
        [
            "BOOSTED_PARAMS",
            "DEFAULT_MAX_TRAINING_PERIOD",
            "MIN_TRAIN_PERIOD",
            "MODELS",
            "MODEL_VERSION",
            "QUANTILES",
            "BacktestResult",
            "BoostedModel",
            "ForecastConfigError",
            "ForecastResult",
            "InsufficientHistoryError",
            "Metrics",
            "SeasonalNaive",
            "Selection",
            "SolarSite",
            "backtest",
            "evaluate",
            "forecast",
            "mae",
            "mape",
            "rmse",
            "skill",
            "synthetic_load_kw",
        ]
    )
    for name in forecasting.__all__:
        assert hasattr(forecasting, name)


def test_engine_imports_nothing_from_web_store_or_jobs():
    # In a fresh interpreter: this test session may have imported anything.
    code = (
        "import json, sys, gridflex.engines.forecasting; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'gridflex', 'fastapi', 'sqlalchemy', 'rq', 'redis', 'httpx'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    allowed = ("gridflex.engines", "gridflex.errors", "gridflex.timing")
    loaded = json.loads(out.stdout)
    assert loaded and all(m == "gridflex" or m.startswith(allowed) for m in loaded)


def test_server_and_cli_start_without_scikit_learn_or_pvlib():
    # Both are imported by the first forecast that needs them, not at start-up.
    code = (
        "import json, sys, gridflex.api.app, gridflex.cli.main; "
        "print(json.dumps([m for m in ('sklearn', 'pvlib', 'scipy.signal') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
