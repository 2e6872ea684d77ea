"""Aggregate runs into the study's tables: mean ± sample std over seed sets beside the paper.

Significance follows the paper's analysis script (PAPER §8): per task and view, the best-mean
variant against every other by a one-sided one-sample t-test on the seed-paired differences,
significant when p < 0.05 / 3 (Bonferroni over the three tasks). The Avg row is marked the
same way on the pooled scores: each (language, seed) pair is one paired observation, as the
released script pooled language × seed scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from specmlm.identity import RUN_KEYS, read_run
from specmlm.published import LANGS, METRIC, published

ALPHA = 0.05 / 3
COLUMNS = ["task", "view", "language", "variant", "metric", "n_seeds", "mean", "std", "published_mean", "published_std", "diff", "marker", "p_value",
           "baseline", "margin"]


def read_scores(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per run: task, view, variant, seed (its recorded identity) and the test score in percent."""
    rows = []
    for path in paths:
        metrics, run = read_run(path)
        score = metrics["test"][METRIC[run["task"]]]
        rows.append({key: run[key] for key in RUN_KEYS} | {"score": 100.0 * score})
    return pd.DataFrame(rows, columns=["task", "view", "variant", "seed", "score"])


def _significance(scores: pd.DataFrame, unit: tuple[str, ...] = ("seed",)) -> dict[str, tuple[str, float | None]]:
    """Marker and p-value per variant; runs with equal ``unit`` columns are one paired observation."""
    by_variant = scores.pivot_table(index=list(unit), columns="variant", values="score")
    means = by_variant.mean()
    best = means.idxmax()
    result: dict[str, tuple[str, float | None]] = {best: ("!", None)}
    for variant in by_variant.columns:
        if variant == best:
            continue
        diffs = (by_variant[best] - by_variant[variant]).dropna().to_numpy()
        if len(diffs) < 2 or np.allclose(diffs, diffs[0]):
            p = 0.0 if len(diffs) >= 2 and diffs[0] > 0 else 1.0 if len(diffs) >= 2 else None
        else:
            p = float(stats.ttest_1samp(diffs, 0.0, alternative="greater").pvalue)
        marker = "?" if p is None else "-" if p < ALPHA else "*"
        result[variant] = (marker, p)
    return result


def task_table(scores: pd.DataFrame, task: str, views: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Rows per view × variant, then the average over the paper's eight languages per variant."""
    scores = scores[scores["task"] == task]
    rows = []
    for view, group in scores.groupby("view", sort=False):
        marks = _significance(group)
        for variant, runs in group.groupby("variant", sort=False):
            values = runs.sort_values("seed")["score"].to_numpy()
            pub_mean, pub_std = published(task, view, variant)
            mean = float(values.mean())
            rows.append({
                "task": task, "view": view, "language": views.get(view, {}).get("language", view), "variant": variant,
                "metric": METRIC[task], "n_seeds": len(values), "mean": round(mean, 2),
                "std": round(float(values.std(ddof=1)), 2) if len(values) > 1 else None,
                "published_mean": pub_mean, "published_std": pub_std,
                "diff": round(mean - pub_mean, 2) if pub_mean is not None else None,
                "marker": marks[variant][0], "p_value": marks[variant][1],
            })
    table = pd.DataFrame(rows, columns=COLUMNS)
    averages = []
    paper_views = [v for v in LANGS[task]]
    pooled = scores[scores["view"].isin(paper_views)]
    pooled_marks = _significance(pooled, ("view", "seed")) if not pooled.empty else {}
    for variant, group in table[table["view"].isin(paper_views)].groupby("variant", sort=False):
        pubs = [published(task, v, variant)[0] for v in paper_views]
        complete = set(group["view"]) == set(paper_views)
        averages.append({
            "task": task, "view": "avg" if complete else f"avg({len(group)} of {len(paper_views)})", "language": "", "variant": variant,
            "metric": METRIC[task], "n_seeds": int(group["n_seeds"].min()), "mean": round(float(group["mean"].mean()), 2),
            "std": None, "published_mean": round(float(np.mean(pubs)), 2) if complete else None, "published_std": None,
            "diff": round(float(group["mean"].mean() - np.mean(pubs)), 2) if complete else None,
            "marker": pooled_marks[variant][0], "p_value": pooled_marks[variant][1],
        })
    if averages:
        table = pd.concat([table, pd.DataFrame(averages, columns=COLUMNS)], ignore_index=True)
    return table


def with_baselines(table: pd.DataFrame, baselines: pd.DataFrame) -> pd.DataFrame:
    """Fill ``baseline`` (the view's trivial baseline on test, ``baselines.csv``) and ``margin``
    (mean − baseline), so a cell that has not learned shows it where it is read. An average row
    gets the mean baseline of the paper's views it averages."""
    table = table.copy()
    test = baselines[baselines["task"].isin(table["task"])].set_index("view")["test"]
    per_view = table["view"].map(test)
    averages = table["view"].str.startswith("avg")
    for index in table.index[averages]:
        task, variant = table.at[index, "task"], table.at[index, "variant"]
        views = table.loc[~averages & (table["variant"] == variant) & table["view"].isin(LANGS[task]), "view"]
        per_view[index] = test.reindex(views).mean()
    table["baseline"] = per_view.round(2)
    table["margin"] = (table["mean"] - per_view).round(2)
    return table


def to_markdown(table: pd.DataFrame) -> str:
    """Views down, variants across: ``mean ± std marker (paper)`` in each cell."""
    if table.empty:
        return "_no runs yet_\n"
    variants = list(dict.fromkeys(table["variant"]))
    lines = ["| view | " + " | ".join(variants) + " | baseline |", "|---|" + "---|" * (len(variants) + 1)]
    for view, group in table.groupby("view", sort=False):
        cells = []
        for variant in variants:
            row = group[group["variant"] == variant]
            if row.empty:
                cells.append("–")
                continue
            r = row.iloc[0]
            cell = f"{r['mean']:.2f}"
            if pd.notna(r["std"]):
                cell += f" ± {r['std']:.2f}"
            cell += f" {r['marker']}".rstrip()
            if pd.notna(r["published_mean"]):
                cell += f" ({r['published_mean']:.2f})"
            if pd.notna(r["margin"]):
                cell += f" [{r['margin']:+.2f}]"
            cells.append(cell)
        baseline = group["baseline"].dropna()
        cells.append(f"{baseline.iloc[0]:.2f}" if len(baseline) else "–")
        lines.append(f"| {view} | " + " | ".join(cells) + " |")
    metric = table["metric"].iloc[0]
    lines.append("")
    lines.append(f"Test {metric} in percent: mean ± sample std over seed sets; the paper's number in brackets. "
                 "`!` best in its row, `*` not significantly worse, `-` significantly worse "
                 "(one-sided paired t-test, p < 0.05/3; on the avg row over language × seed pairs), `?` too few seeds to test. "
                 "`[±m]` the margin over the view's trivial baseline (last column, `baselines.csv`).")
    return "\n".join(lines) + "\n"
