"""Exact DTW: agrees with brute force over every monotone path, and the path is well formed."""

from __future__ import annotations


import numpy as np
import pytest

import vcgan.metrics.dtw as dtw_mod
from vcgan.metrics.dtw import dtw_from_cost, exact_dtw, euclidean_cost, fastdtw_available, fastdtw_path


def _all_paths(n: int, m: int):
    """Every path from (0, 0) to (n-1, m-1) with steps (1,0), (0,1), (1,1)."""
    def rec(i, j):
        if (i, j) == (n - 1, m - 1):
            yield [(i, j)]
            return
        for di, dj in ((1, 1), (1, 0), (0, 1)):
            if i + di < n and j + dj < m:
                for rest in rec(i + di, j + dj):
                    yield [(i, j)] + rest
    yield from rec(0, 0)


@pytest.mark.parametrize("n,m", [(1, 1), (1, 4), (3, 1), (2, 2), (3, 4), (4, 3), (5, 5)])
def test_dtw_equals_brute_force(n, m):
    rng = np.random.default_rng(n * 10 + m)
    for _ in range(5):
        cost = rng.random((n, m))
        paths = list(_all_paths(n, m))
        totals = [sum(cost[i, j] for i, j in p) for p in paths]
        best = int(np.argmin(totals))
        path, total = dtw_from_cost(cost)
        assert total == pytest.approx(totals[best], rel=1e-12)
        # Random costs: the optimum is unique, so the path itself must match.
        assert [tuple(p) for p in path.tolist()] == paths[best]


def test_path_is_monotone_and_complete():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(37, 4)), rng.normal(size=(52, 4))
    path, cost = exact_dtw(x, y)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (36, 51)
    steps = np.diff(path, axis=0)
    assert set(map(tuple, steps.tolist())) <= {(1, 0), (0, 1), (1, 1)}
    assert cost == pytest.approx(np.sum(euclidean_cost(x, y)[path[:, 0], path[:, 1]]))


def test_identical_sequences_align_on_the_diagonal():
    x = np.random.default_rng(2).normal(size=(20, 3))
    path, cost = exact_dtw(x, x)
    assert cost == 0.0
    np.testing.assert_array_equal(path, np.stack([np.arange(20)] * 2, axis=1))


def test_time_stretch_is_recovered():
    # y repeats every frame of x twice: the optimal path maps frame 2k and 2k+1 of y to k.
    x = np.random.default_rng(3).normal(size=(15, 5))
    y = np.repeat(x, 2, axis=0)
    path, cost = exact_dtw(x, y)
    assert cost == 0.0
    np.testing.assert_array_equal(path[:, 0], path[:, 1] // 2)


def test_compiled_and_python_kernels_agree():
    cost = np.random.default_rng(4).random((40, 55))
    acc = dtw_mod._accumulate_py(cost)
    np.testing.assert_allclose(dtw_mod._accumulate(cost), acc)
    np.testing.assert_array_equal(dtw_mod._backtrack(acc), dtw_mod._backtrack_py(acc))


def test_ties_are_broken_deterministically():
    path, cost = dtw_from_cost(np.zeros((3, 3)))
    assert cost == 0.0
    np.testing.assert_array_equal(path, [[0, 0], [1, 1], [2, 2]])  # diagonal preferred


@pytest.mark.parametrize("bad", [np.zeros((0, 3)), np.array([[0.0, np.nan]])])
def test_bad_cost_matrix_is_rejected(bad):
    with pytest.raises(ValueError):
        dtw_from_cost(bad)


def test_dimension_mismatch_is_rejected():
    with pytest.raises(ValueError, match="same dim"):
        exact_dtw(np.zeros((3, 2)), np.zeros((3, 4)))


@pytest.mark.skipif(not fastdtw_available(), reason="optional fastdtw package not installed")
def test_fastdtw_is_never_better_than_exact():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(60, 4)), rng.normal(size=(45, 4))
    _, exact = exact_dtw(x, y)
    path, approx = fastdtw_path(x, y)
    assert approx >= exact - 1e-9
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (59, 44)
