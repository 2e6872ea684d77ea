"""Rank correlation for the analyses (the UNK-gain figure, the transfer analysis).

One convention: an undefined correlation (fewer than three complete points, or a constant
side) is NaN, which a CSV table holds as an empty cell; code that writes JSON turns it into
null where it writes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import pandas as pd
from scipy import stats

MIN_POINTS = 3


def spearman(x: Iterable[float], y: Iterable[float]) -> tuple[float, float, int]:
    """Spearman's rho, its two-sided p-value and the number of complete points; NaN below 3 points."""
    pairs = pd.DataFrame({"x": list(x), "y": list(y)}, dtype=float).dropna()
    n = len(pairs)
    if n < MIN_POINTS:
        return float("nan"), float("nan"), n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)  # a constant side: rho is NaN
        result = stats.spearmanr(pairs["x"], pairs["y"])
    return float(result.statistic), float(result.pvalue), n
