"""Flow tracing: checked against hand calculations and an independent fixed-point iteration."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    exchange_links,
    production_intensity_g_per_kwh,
    resolve_factors_g_per_kwh,
    trace_flows,
    type_index,
)
from gridflex.engines.carbon import tracing as tracing_module
from gridflex.errors import ValidationError

K = len(PRODUCTION_TYPES)
COAL, GAS, WIND, SOLAR, UNKNOWN = (
    type_index(t) for t in ("coal", "gas", "wind", "solar", "unknown")
)
BATTERY = type_index("battery discharge")


def three_zone_case() -> tuple[np.ndarray, np.ndarray]:
    """The issue's case: A 100 MW coal -> 50 MW to B; B 100 MW wind -> 50 MW to C; C 50 MW solar."""
    production = np.zeros((1, 3, K))
    production[0, 0, COAL] = 100.0
    production[0, 1, WIND] = 100.0
    production[0, 2, SOLAR] = 50.0
    exchange = np.zeros((1, 3, 3))
    exchange[0, 0, 1] = 50.0
    exchange[0, 1, 2] = 50.0
    return production, exchange


def random_case(
    rng: np.random.Generator, n_steps: int, n_zones: int
) -> tuple[np.ndarray, ExchangeLinks]:
    """Random production and a ring-plus-chords network whose exports never exceed inflow."""
    production = rng.uniform(0.0, 100.0, (n_steps, n_zones, K)) * (
        rng.random((n_steps, n_zones, K)) < 0.6
    )
    production[:, :, UNKNOWN] += 200.0  # every zone produces more than it can export
    pairs = {(i, (i + 1) % n_zones) for i in range(n_zones)}
    while len(pairs) < 2 * n_zones:
        a, b = (int(v) for v in rng.integers(0, n_zones, 2))
        if a != b and (b, a) not in pairs:
            pairs.add((a, b))
    frm, to = (np.array(v) for v in zip(*sorted(pairs), strict=True))
    # Flows small against production keep every zone's exports below its inflow.
    flow = rng.uniform(-1.0, 1.0, (n_steps, frm.size)) * 40.0
    return production, ExchangeLinks(frm, to, flow, n_zones)


def fixed_point_trace(production: np.ndarray, flows: np.ndarray, factors: np.ndarray) -> tuple:
    """Independent method: iterate x_i = (P_i + sum_j F_ji x_j) / (P_i + I_i) to convergence."""
    n_zones = production.shape[0]
    inflow = production.sum(axis=1) + flows.sum(axis=0)
    share = np.zeros((n_zones, K))
    intensity = np.zeros(n_zones)
    emitted = (production * factors).sum(axis=1)
    for _ in range(2000):
        share = (production + flows.T @ share) / inflow[:, None]
        intensity = (emitted + flows.T @ intensity) / inflow
    return share, intensity


def test_three_zone_case_gives_the_issue_intensities():
    production, exchange = three_zone_case()
    factors = resolve_factors_g_per_kwh(["A", "B", "C"], year=2024)
    traced = trace_flows(production, exchange, factors_g_per_kwh={"lifecycle": factors})
    np.testing.assert_allclose(
        traced.consumption_intensity_g_per_kwh["lifecycle"][0], [820.0, 280.67, 162.83], atol=0.005
    )
    np.testing.assert_allclose(
        production_intensity_g_per_kwh(traced.production_mw[0], factors), [820.0, 11.0, 45.0]
    )


def test_three_zone_case_consumption_mix_by_hand():
    production, exchange = three_zone_case()
    traced = trace_flows(production, exchange)
    # B: 100 wind + 50 coal in, 50 out with that mix; C: 50 solar + 50 of B's mix.
    np.testing.assert_allclose(traced.consumption_mw[0, 0, COAL], 50.0)
    np.testing.assert_allclose(traced.consumption_mw[0, 1, [COAL, WIND]], [100 / 3, 200 / 3])
    np.testing.assert_allclose(
        traced.consumption_mw[0, 2, [COAL, WIND, SOLAR]], [50 / 3, 100 / 3, 50.0]
    )


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_consumption_is_production_plus_imports_minus_exports(method):
    rng = np.random.default_rng(1)
    production, links = random_case(rng, n_steps=48, n_zones=7)
    traced = trace_flows(production, links, method=method)
    flows = links.flow_matrix_mw()
    expected = production.sum(axis=2) + flows.sum(axis=1) - flows.sum(axis=2)
    np.testing.assert_allclose(traced.consumption_total_mw, expected, atol=1e-9)
    np.testing.assert_allclose(traced.consumption_mw.sum(axis=2), expected, atol=1e-8)
    np.testing.assert_allclose(traced.import_total_mw, flows.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(traced.export_total_mw, flows.sum(axis=2), atol=1e-12)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_tracing_matches_fixed_point_iteration(method):
    rng = np.random.default_rng(2)
    production, links = random_case(rng, n_steps=6, n_zones=9)
    factors = rng.uniform(0.0, 900.0, (9, K))
    traced = trace_flows(production, links, factors_g_per_kwh={"x": factors}, method=method)
    flows = links.flow_matrix_mw()
    for t in range(6):
        share, intensity = fixed_point_trace(production[t], flows[t], factors)
        np.testing.assert_allclose(traced.consumption_frac[t], share, atol=1e-9)
        np.testing.assert_allclose(
            traced.consumption_intensity_g_per_kwh["x"][t], intensity, rtol=1e-9
        )


def test_dense_and_sparse_solvers_agree_across_chunks(monkeypatch):
    rng = np.random.default_rng(3)
    production, links = random_case(rng, n_steps=40, n_zones=6)
    factors = {"lifecycle": resolve_factors_g_per_kwh([str(i) for i in range(6)], year=2024)}
    whole = trace_flows(production, links, factors_g_per_kwh=factors, method="dense")
    monkeypatch.setattr(tracing_module, "_CHUNK_ENTRIES", 7 * 36)  # 7 steps per dense chunk
    monkeypatch.setattr(tracing_module, "_SPARSE_CHUNK_UNKNOWNS", 9 * 6)  # 9 per sparse chunk
    chunked = trace_flows(production, links, factors_g_per_kwh=factors, method="dense")
    sparse = trace_flows(production, links, factors_g_per_kwh=factors, method="sparse")
    for other in (chunked, sparse):
        np.testing.assert_allclose(other.consumption_mw, whole.consumption_mw, atol=1e-9)
        np.testing.assert_allclose(
            other.consumption_intensity_g_per_kwh["lifecycle"],
            whole.consumption_intensity_g_per_kwh["lifecycle"],
            rtol=1e-10,
        )


def test_imported_power_carries_the_exporters_own_factor():
    production = np.zeros((1, 2, K))
    production[0, 0, COAL] = 100.0
    production[0, 1, COAL] = 100.0
    exchange = np.zeros((1, 2, 2))
    exchange[0, 0, 1] = 100.0  # A sends all its coal power to B
    factors = np.full((2, K), 0.0)
    factors[0, COAL] = 1000.0
    factors[1, COAL] = 500.0
    traced = trace_flows(production, exchange, factors_g_per_kwh={"x": factors})
    # B consumes 100 MW of A's coal (1000 g/kWh) and 100 MW of its own (500 g/kWh).
    np.testing.assert_allclose(traced.consumption_intensity_g_per_kwh["x"][0, 1], 750.0)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_zone_without_data_exports_the_fallback_mix(method):
    production = np.full((1, 2, K), np.nan)
    production[0, 1] = 0.0
    production[0, 1, WIND] = 100.0
    exchange = np.zeros((1, 2, 2))
    exchange[0, 0, 1] = 100.0
    fallback = np.zeros(K)
    fallback[[GAS, COAL]] = 1.0  # normalised to half and half
    factors = resolve_factors_g_per_kwh(["X", "B"], year=2024)
    traced = trace_flows(
        production,
        exchange,
        fallback_mix_frac=fallback,
        factors_g_per_kwh={"lifecycle": factors},
        method=method,
    )
    np.testing.assert_allclose(traced.consumption_mw[0, 1, [WIND, GAS, COAL]], [100.0, 50.0, 50.0])
    expected = (100 * 11 + 50 * 490 + 50 * 820) / 200
    np.testing.assert_allclose(traced.consumption_intensity_g_per_kwh["lifecycle"][0, 1], expected)
    assert not traced.has_data[0, 0]
    assert np.isnan(traced.consumption_total_mw[0, 0])
    assert np.isnan(traced.consumption_intensity_g_per_kwh["lifecycle"][0, 0])


def test_default_fallback_is_the_unknown_factor():
    production = np.zeros((1, 2, K))
    production[0, 1, WIND] = 100.0
    exchange = np.zeros((1, 2, 2))
    exchange[0, 0, 1] = 100.0
    factors = resolve_factors_g_per_kwh(["X", "B"], year=2024)
    traced = trace_flows(
        production, exchange, has_data=[False, True], factors_g_per_kwh={"lifecycle": factors}
    )
    np.testing.assert_allclose(
        traced.consumption_intensity_g_per_kwh["lifecycle"][0, 1], (100 * 11 + 100 * 700) / 200
    )


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_zone_with_no_inflow_consumes_nothing_and_spoils_nothing(method):
    production, exchange = three_zone_case()
    production = np.concatenate([production, np.zeros((1, 1, K))], axis=1)
    exchange = np.pad(exchange, ((0, 0), (0, 1), (0, 1)))
    factors = resolve_factors_g_per_kwh(["A", "B", "C", "D"], year=2024)
    traced = trace_flows(
        production, exchange, factors_g_per_kwh={"lifecycle": factors}, method=method
    )
    assert traced.consumption_total_mw[0, 3] == 0.0
    assert np.all(traced.consumption_frac[0, 3] == 0.0)
    intensity = traced.consumption_intensity_g_per_kwh["lifecycle"][0]
    assert np.isnan(intensity[3])
    np.testing.assert_allclose(intensity[:3], [820.0, 280.67, 162.83], atol=0.005)


def test_storage_discharge_is_production_with_its_own_factor():
    production = np.zeros((1, 1, K))
    production[0, 0, GAS] = 50.0
    production[0, 0, BATTERY] = 50.0
    factors = resolve_factors_g_per_kwh(["A"], year=2024, storage_discharge_g_per_kwh=100.0)
    traced = trace_flows(production, np.zeros((1, 1, 1)), factors_g_per_kwh={"lifecycle": factors})
    np.testing.assert_allclose(traced.consumption_total_mw, [[100.0]])
    np.testing.assert_allclose(
        traced.consumption_intensity_g_per_kwh["lifecycle"], [[(50 * 490 + 50 * 100) / 100]]
    )


def test_antisymmetric_and_one_directional_matrices_trace_alike():
    production, one_way = three_zone_case()
    antisymmetric = one_way - one_way.transpose(0, 2, 1)
    both_ways = one_way.copy()
    both_ways[0, 1, 0] = 10.0  # 10 MW back from B to A nets to 40 MW A -> B
    both_ways[0, 0, 1] = 60.0
    a = trace_flows(production, one_way)
    b = trace_flows(production, antisymmetric)
    c = trace_flows(production, both_ways)
    np.testing.assert_allclose(a.consumption_mw, b.consumption_mw)
    np.testing.assert_allclose(a.consumption_mw, c.consumption_mw)


def test_exchange_links_from_matrix_keep_each_pair_once():
    _, exchange = three_zone_case()
    links = exchange_links(exchange - exchange.transpose(0, 2, 1))
    assert sorted(zip(links.from_index.tolist(), links.to_index.tolist(), strict=True)) == [
        (0, 1),
        (1, 2),
    ]
    np.testing.assert_allclose(links.flow_matrix_mw(), exchange)


def test_time_varying_factors_apply_per_step():
    production = np.zeros((2, 1, K))
    production[:, 0, COAL] = 10.0
    factors = np.zeros((2, 1, K))
    factors[0, 0, COAL] = 800.0
    factors[1, 0, COAL] = 900.0
    traced = trace_flows(production, np.zeros((2, 1, 1)), factors_g_per_kwh={"x": factors})
    np.testing.assert_allclose(traced.consumption_intensity_g_per_kwh["x"][:, 0], [800.0, 900.0])


def test_unreported_types_count_as_zero_and_are_flagged():
    production, exchange = three_zone_case()
    production[0, 0, GAS] = np.nan
    traced = trace_flows(production, exchange)
    assert not traced.production_reported[0, 0, GAS]
    assert traced.production_mw[0, 0, GAS] == 0.0
    np.testing.assert_allclose(traced.consumption_total_mw[0], [50.0, 100.0, 100.0])


def test_exports_beyond_inflow_are_rejected_with_zone_and_step():
    production, exchange = three_zone_case()
    exchange[0, 1, 2] = 500.0
    with pytest.raises(ValidationError, match="Zone 1 .* step 0"):
        trace_flows(production, exchange)


def test_negative_production_is_rejected():
    production, exchange = three_zone_case()
    production[0, 2, SOLAR] = -5.0
    with pytest.raises(ValidationError, match="'solar'"):
        trace_flows(production, exchange)


def test_non_finite_exchange_is_rejected():
    production, exchange = three_zone_case()
    exchange[0, 0, 2] = np.nan
    with pytest.raises(ValidationError) as info:
        trace_flows(production, exchange)
    assert info.value.field == "exchange_mw"


def test_matrix_with_negatives_must_be_antisymmetric():
    production, exchange = three_zone_case()
    exchange[0, 2, 0] = -5.0
    with pytest.raises(ValidationError, match="antisymmetric"):
        trace_flows(production, exchange)


def test_links_may_not_repeat_a_pair():
    with pytest.raises(ValidationError, match="once"):
        ExchangeLinks(np.array([0, 1]), np.array([1, 0]), np.zeros((1, 2)), 2)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_power_circulating_without_any_source_is_rejected(method):
    production = np.zeros((1, 3, K))
    exchange = np.zeros((1, 3, 3))
    exchange[0, 0, 1] = exchange[0, 1, 2] = exchange[0, 2, 0] = 10.0  # a loop, no plant anywhere
    with pytest.raises(ValidationError, match="singular"):
        trace_flows(production, exchange, method=method)
