"""Aggregation: exact means, sample stds, the paper's numbers and its significance test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy import stats

import pandas as pd

from specmlm.aggregate import read_scores, task_table, to_markdown, with_baselines
from specmlm.errors import InputError


def write_runs(root: Path, task: str, view: str, variant: str, scores: list[float], metric: str) -> list[Path]:
    paths = []
    for seed, score in enumerate(scores):
        path = root / f"runs/{task}/{view}/{variant}/seed{seed}/metrics.json"
        path.parent.mkdir(parents=True)
        run = {"task": task, "view": view, "variant": variant, "seed": seed}
        path.write_text(json.dumps({"run": run, "dev": {metric: score}, "test": {metric: score}}))
        paths.append(path)
    return paths


def test_task_table_means_stds_and_markers(tmp_path: Path) -> None:
    paths = write_runs(tmp_path, "ud", "ug", "va", [0.60, 0.62, 0.64], "las")
    paths += write_runs(tmp_path, "ud", "ug", "mbert", [0.50, 0.53, 0.51], "las")
    paths += write_runs(tmp_path, "ud", "ug", "lapt", [0.61, 0.60, 0.64], "las")
    table = task_table(read_scores(paths), "ud", {"ug": {"language": "ug"}})
    va = table[(table.view == "ug") & (table.variant == "va")].iloc[0]
    assert va["mean"] == 62.0
    assert va["std"] == 2.0
    assert va["published_mean"] == 67.55
    assert va["diff"] == -5.55
    assert va["marker"] == "!"
    mbert = table[(table.view == "ug") & (table.variant == "mbert")].iloc[0]
    expected_p = stats.ttest_1samp([10.0, 9.0, 13.0], 0.0, alternative="greater").pvalue
    assert mbert["p_value"] == pytest.approx(expected_p)
    assert mbert["marker"] == ("-" if expected_p < 0.05 / 3 else "*")
    lapt = table[(table.view == "ug") & (table.variant == "lapt")].iloc[0]
    assert lapt["marker"] == "*"
    average = table[table.view.str.startswith("avg")]
    assert set(average["view"]) == {"avg(1 of 8)"}
    markdown = to_markdown(table)
    assert "| ug | 62.00 ± 2.00 ! (67.55) |" in markdown


def test_average_row_is_marked_on_pooled_language_seed_pairs(tmp_path: Path) -> None:
    paths = write_runs(tmp_path, "pos", "ug", "va", [0.90, 0.91, 0.92], "accuracy")
    paths += write_runs(tmp_path, "pos", "ug", "lapt", [0.80, 0.82, 0.81], "accuracy")
    paths += write_runs(tmp_path, "pos", "mt", "va", [0.95, 0.96, 0.94], "accuracy")
    paths += write_runs(tmp_path, "pos", "mt", "lapt", [0.96, 0.96, 0.96], "accuracy")
    # a view outside the paper's eight languages takes no part in the average
    paths += write_runs(tmp_path, "pos", "ug-Latn", "lapt", [0.99, 0.99, 0.99], "accuracy")
    table = task_table(read_scores(paths), "pos", {})
    average = table[table.view == "avg(2 of 8)"].set_index("variant")
    # per view lapt is the best on mt ("!") and va on ug; pooled over the six (view, seed)
    # pairs va is best and the differences va - lapt are 10, 9, 11, -1, 0, -2
    assert table[(table.view == "mt") & (table.variant == "lapt")].iloc[0]["marker"] == "!"
    expected_p = stats.ttest_1samp([10.0, 9.0, 11.0, -1.0, 0.0, -2.0], 0.0, alternative="greater").pvalue
    assert average.loc["va", "marker"] == "!"
    assert average.loc["lapt", "p_value"] == pytest.approx(expected_p)
    assert expected_p > 0.05 / 3 and average.loc["lapt", "marker"] == "*"
    assert average.loc["va", "mean"] == 93.0 and average.loc["lapt", "mean"] == 88.5
    assert "| avg(2 of 8) | 93.00 ! | 88.50 * |" in to_markdown(table)


def test_read_scores_reads_identity_not_paths(tmp_path: Path) -> None:
    """A run's identity is what its metrics.json records, wherever the file lies; a file
    without one (written before metrics.json recorded it, or no run's) is named."""
    moved = tmp_path / "elsewhere.json"
    moved.write_text(json.dumps({"run": {"task": "pos", "view": "mt", "variant": "va", "seed": 2},
                                 "test": {"accuracy": 0.9}}))
    assert read_scores([moved]).to_dict("records") == [
        {"task": "pos", "view": "mt", "variant": "va", "seed": 2, "score": 90.0}]
    bad = tmp_path / "runs/pos/mt/va/seed0/metrics.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"test": {"accuracy": 0.9}}))
    with pytest.raises(InputError, match="no run identity") as error:
        read_scores([bad])
    assert error.value.path == str(bad)
    bad.write_text(json.dumps({"run": {"task": "pos", "view": "mt"}, "test": {"accuracy": 0.9}}))
    with pytest.raises(InputError, match="lacks variant, seed"):
        read_scores([bad])


def test_with_baselines_margins_and_markdown(tmp_path: Path) -> None:
    paths = write_runs(tmp_path, "pos", "ug", "mbert", [0.80, 0.82], "accuracy")
    paths += write_runs(tmp_path, "pos", "mt", "mbert", [0.90, 0.90], "accuracy")
    paths += write_runs(tmp_path, "pos", "ug-Latn", "mbert", [0.70, 0.70], "accuracy")
    baselines = pd.DataFrame({"task": ["pos", "pos", "pos", "ud"], "view": ["ug", "mt", "ug-Latn", "ug"],
                              "metric": ["accuracy"] * 3 + ["las"], "method": ["most_frequent_tag"] * 3 + ["attach_next"],
                              "dev": [0.0] * 4, "test": [78.6, 80.2, 78.7, 19.0]})
    table = with_baselines(task_table(read_scores(paths), "pos", {}), baselines).set_index("view")
    assert table.loc["ug", ["baseline", "margin"]].tolist() == [78.6, 2.4]
    assert table.loc["ug-Latn", ["baseline", "margin"]].tolist() == [78.7, -8.7]
    # the average covers the paper's languages only (ug, mt): mean 85.5 against baseline 79.4
    assert table.loc["avg(2 of 8)", ["baseline", "margin"]].tolist() == [79.4, 6.1]
    markdown = to_markdown(table.reset_index())
    assert "| ug | 81.00 ± 1.41 ! (78.07) [+2.40] | 78.60 |" in markdown
    assert "| ug-Latn | 70.00 ± 0.00 ! (91.34) [-8.70] | 78.70 |" in markdown
