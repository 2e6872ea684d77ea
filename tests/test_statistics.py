"""specmlm.statistics.spearman: hand-computed cases and the NaN convention for undefined rho."""

import math

import pytest

from specmlm.statistics import spearman


def test_rho_and_p_by_hand() -> None:
    # rank differences 0, 1, 1, 0: rho = 1 - 6 * 2 / (4 * 15) = 0.8; with 2 degrees of freedom
    # t = rho * sqrt(2 / (1 - rho^2)) and the two-sided p = 1 - t / sqrt(t^2 + 2) = 1 - rho = 0.2
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == (pytest.approx(0.8), pytest.approx(0.2), 4)


def test_an_incomplete_pair_is_left_out() -> None:
    assert spearman([1, 2, 3, 4, math.nan], [1, 3, 2, 4, 5]) == (pytest.approx(0.8), pytest.approx(0.2), 4)


@pytest.mark.parametrize(("x", "y", "n"), [([1, 2], [1, 2], 2), ([1, 1, 1], [1, 2, 3], 3), ([1, 2, 3], [5, 5, 5], 3)])
def test_undefined_rho_is_nan(x: list[float], y: list[float], n: int) -> None:
    rho, p, count = spearman(x, y)
    assert math.isnan(rho) and math.isnan(p) and count == n
