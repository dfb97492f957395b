"""Sweeps (PRML fig. 5.9-5.10): serial == pooled, seeds, CSV, and a cancel leaves no process behind."""

import csv
import io
import multiprocessing
import time

import numpy as np
import pytest

from playground.core import sweeps
from playground.core.objective import Interrupted
from processes import alive


def sinusoid(seed=1, n=10, n_test=50):
    """PRML App. A: x ~ U(0, 1), t = sin 2 pi x + N(0, 0.3^2)."""
    rng = np.random.default_rng(seed)
    x, xt = rng.uniform(0, 1, (n, 1)), rng.uniform(0, 1, (n_test, 1))
    noisy = lambda x: np.sin(2 * np.pi * x) + 0.3 * rng.normal(size=x.shape)  # noqa: E731
    return sweeps.SweepData(x, noisy(x), X_test=xt, T_test=noisy(xt))


SMALL = sweeps.SweepConfig(units=(1, 3), starts=2, epochs=40)


def test_the_same_seed_gives_the_same_scatter_serial_or_pooled():
    data = sinusoid()
    serial = sweeps.run_sweep(SMALL, data, workers=1)
    pooled = sweeps.run_sweep(SMALL, data, workers=2)
    assert serial.csv_text() == pooled.csv_text()
    for a, b in zip(serial.outcomes, pooled.outcomes):
        np.testing.assert_array_equal(a.weights, b.weights)
    other = sweeps.run_sweep(sweeps.SweepConfig(units=(1, 3), starts=2, epochs=40, seed=5), data, workers=1)
    assert other.csv_text() != serial.csv_text()


def test_the_results_are_the_scatter_its_means_and_loadable_networks():
    data = sinusoid()
    result = sweeps.run_sweep(SMALL, data, workers=1)
    m, e = result.errors("test")
    np.testing.assert_array_equal(m, [1, 1, 3, 3])
    units, means = result.means("test")
    np.testing.assert_allclose(means, [e[:2].mean(), e[2:].mean()])
    net = result.network(3)
    assert net.sizes[1] == 3
    assert net.error(data.X_test, data.T_test) / 50 == pytest.approx(e[3])
    rows = list(csv.DictReader(io.StringIO(result.csv_text())))
    assert [int(r["units"]) for r in rows] == [1, 1, 3, 3]
    assert float(rows[2]["test_error"]) == e[2]  # full precision
    assert np.isnan(float(rows[0]["validation_error"]))  # no validation part


def test_the_figures_sizes_and_bad_settings():
    assert sweeps.SweepConfig.fig_5_10().jobs()[-1] == (12, 29)
    assert len(sweeps.SweepConfig.fig_5_10(starts=3).jobs()) == 36
    assert [m for m, _ in sweeps.SweepConfig.fig_5_9().jobs()] == [1, 3, 10]
    with pytest.raises(ValueError, match="sweep hidden units must be from 1 to 256, got 0"):
        sweeps.SweepConfig(units=(0, 2))
    with pytest.raises(ValueError, match="sweep starts"):
        sweeps.SweepConfig(starts=0)


def test_cancel_terminates_a_running_pool_and_leaves_no_process():
    data = sinusoid()
    long_fits = sweeps.SweepConfig(units=(12,), starts=4, epochs=1_000_000)  # minutes each if not killed
    seen, started = set(), time.monotonic()

    def progress(done, total):
        seen.update(p.pid for p in multiprocessing.active_children())
        return time.monotonic() - started < 1.0 or not seen  # cancel once the workers are up

    with pytest.raises(Interrupted):
        sweeps.run_sweep(long_fits, data, workers=2, progress=progress)
    assert len(seen) == 2
    assert [pid for pid in seen if alive(pid)] == []
    assert multiprocessing.active_children() == []


def test_a_serial_sweep_cancels_inside_a_fit():
    calls = []

    def progress(done, total):
        calls.append(done)
        return len(calls) < 3

    with pytest.raises(Interrupted):
        sweeps.run_sweep(sweeps.SweepConfig(units=(3,), starts=2, epochs=1_000_000), sinusoid(), workers=1,
                         progress=progress)
    assert calls[-1] == 0  # stopped within the first fit


def pool_pids(pool):
    return sorted(p.pid for p in pool.executor()._processes.values())


def test_a_warm_pool_serves_sweeps_on_other_data_in_the_same_processes_and_a_cancel_ends_them():
    pool = sweeps.WorkerPool(workers=2)
    try:
        pool.warm()
        assert pool.started
        started = time.monotonic()
        while len(multiprocessing.active_children()) < 2 and time.monotonic() - started < 30:
            time.sleep(0.05)
        warm = pool_pids(pool)
        assert len(warm) == 2 and all(alive(pid) for pid in warm)
        for data in (sinusoid(1), sinusoid(7, n=14)):
            pooled = sweeps.run_sweep(SMALL, data, pool=pool)
            assert pooled.csv_text() == sweeps.run_sweep(SMALL, data, workers=1).csv_text()
            assert pool_pids(pool) == warm  # the same processes, no new start-up

        long_fits = sweeps.SweepConfig(units=(12,), starts=4, epochs=1_000_000)
        calls = []
        with pytest.raises(Interrupted):
            sweeps.run_sweep(long_fits, sinusoid(), pool=pool, progress=lambda done, total: calls.append(done) or len(calls) < 5)
        assert not pool.started
        assert [pid for pid in warm if alive(pid)] == [] and multiprocessing.active_children() == []
        again = sweeps.run_sweep(SMALL, sinusoid(1), pool=pool)  # new processes after the cancel
        assert again.csv_text() == sweeps.run_sweep(SMALL, sinusoid(1), workers=1).csv_text()
        assert set(pool_pids(pool)).isdisjoint(warm)
    finally:
        pool.terminate()
    assert multiprocessing.active_children() == []
