"""Transfer table (exact means and stds) and its Spearman analysis against distances and UNKs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from specmlm.errors import ConfigError, InputError
from specmlm.identity import run_identity
from specmlm.transfer import ANALYSIS_COLUMNS, DISTANCE_PREDICTORS, TABLE_COLUMNS, distance_analysis, transfer_table
from specmlm.typology import distances

ZERO_SHOT_RUN = run_identity("ner", {"source": "en", "target": "ug", "setting": "zero_shot", "variant": "mbert", "seed": "0"})
POS_RUN = run_identity("pos", {"view": "ug", "variant": "mbert", "seed": "0"})
BASES = {"mbert": "mbert", "lapt": "mbert", "va": "mbert", "xlmr": "xlmr", "xlmr_lapt": "xlmr"}
# Test F1 of each (source, target, setting)'s gazetteer, as baselines.transfer_baselines writes it.
BASELINES = pd.DataFrame({"source": ["en", "en", "ug", "en"], "target": ["ug", "ug", "ug", "mt"],
                          "setting": ["zero_shot", "few_shot100", "in_language", "zero_shot"], "method": "gazetteer",
                          "dev": [10.0, 20.0, 30.0, 5.0], "test": [12.5, 30.0, 40.25, 4.0]})


def write_metrics(path: Path, f1: object, wildcards: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run_identity("ner", wildcards), "dev": {"span_f1": 0.5}, "test": {"span_f1": f1}}))
    return path


def runs(root: Path, setting: str, target: str, variant: str, scores: list[float], source: str = "en") -> list[Path]:
    """metrics.json files of one configuration, one per seed, where the pipeline writes them."""
    if setting == "in_language":
        pattern = f"results/runs/ner/{target}/{variant}/seed{{seed}}/metrics.json"
        wildcards = {"view": target, "variant": variant}
    else:
        pattern = f"results/transfer/{source}/{target}/{setting}/{variant}/seed{{seed}}/metrics.json"
        wildcards = {"source": source, "target": target, "setting": setting, "variant": variant}
    return [write_metrics(root / pattern.format(seed=seed), f1, wildcards | {"seed": str(seed)}) for seed, f1 in enumerate(scores)]


def test_transfer_table_exact_means_and_sample_stds(tmp_path: Path) -> None:
    paths = runs(tmp_path, "zero_shot", "ug", "mbert", [0.50, 0.60, 0.70])
    paths += runs(tmp_path, "few_shot100", "ug", "mbert", [0.625, 0.675])
    paths += runs(tmp_path, "in_language", "ug", "mbert", [0.80, 0.90, 0.85, 0.75, 0.70])
    paths += runs(tmp_path, "zero_shot", "ug", "xlmr_lapt", [0.4125])
    table = transfer_table(paths, BASES, BASELINES)
    assert list(table.columns) == TABLE_COLUMNS
    rows = {(r.variant, r.setting): r for r in table.itertuples()}
    zero = rows[("mbert", "zero_shot")]
    assert (zero.source, zero.target, zero.base_model, zero.shots, zero.n_seeds) == ("en", "ug", "mbert", 0, 3)
    assert zero.mean == pytest.approx(60.0, abs=1e-12)
    assert zero.std == pytest.approx(10.0, abs=1e-12)  # sample std: sqrt((100 + 0 + 100) / 2)
    few = rows[("mbert", "few_shot100")]
    assert (few.shots, few.mean) == (100, pytest.approx(65.0, abs=1e-12))
    assert few.std == pytest.approx(math.sqrt(2 * 2.5**2), abs=1e-12)
    inside = rows[("mbert", "in_language")]
    assert (inside.source, inside.target, inside.n_seeds) == ("ug", "ug", 5)
    assert pd.isna(inside.shots)
    assert inside.mean == pytest.approx(80.0, abs=1e-12)
    assert inside.std == pytest.approx(np.std([80, 90, 85, 75, 70], ddof=1), abs=1e-12)
    single = rows[("xlmr_lapt", "zero_shot")]
    assert (single.base_model, single.n_seeds, single.mean) == ("xlmr", 1, pytest.approx(41.25))
    assert math.isnan(single.std)
    # In-language first, then zero-shot, then few-shot by size, within a target and variant.
    assert list(table[table.variant == "mbert"].setting) == ["in_language", "zero_shot", "few_shot100"]
    # Each cell beside its setting's baseline (variants share it), margin = mean - baseline to 2 decimals.
    assert [(r.variant, r.setting, r.baseline, r.margin) for r in table.itertuples()] == [
        ("mbert", "in_language", 40.25, 39.75), ("mbert", "zero_shot", 12.5, 47.5), ("mbert", "few_shot100", 30.0, 35.0),
        ("xlmr_lapt", "zero_shot", 12.5, 28.75)]
    assert (table["margin"] == (table["mean"] - table["baseline"]).round(2)).all()


def test_a_cell_without_its_baseline_is_named(tmp_path: Path) -> None:
    paths = runs(tmp_path, "few_shot50", "ug", "mbert", [0.5])
    with pytest.raises(ValueError, match="no baseline for source en, target ug, setting few_shot50"):
        transfer_table(paths, BASES, BASELINES)


@pytest.mark.parametrize(
    ("relative", "content", "message"),
    [
        ("results/transfer/en/ug/zero_shot/mbert/seed0/metrics.json", {"test": {"span_f1": 0.5}}, "no run identity"),
        ("results/runs/pos/ug/mbert/seed0/metrics.json", {"run": POS_RUN, "test": {"span_f1": 0.5}}, "reads NER runs"),
        ("results/transfer/en/ug/zero_shot/mbert/seed0/metrics.json", {"run": ZERO_SHOT_RUN, "test": {"f1": 0.5}}, "span_f1"),
        ("results/transfer/en/ug/zero_shot/mbert/seed0/metrics.json", {"run": ZERO_SHOT_RUN, "test": {"span_f1": 61.2}},
         "not a fraction"),
    ],
)
def test_bad_runs_are_input_errors(tmp_path: Path, relative: str, content: dict, message: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(content))
    with pytest.raises(InputError, match=message) as error:
        transfer_table([path], BASES, BASELINES)
    assert error.value.path == str(path)


def test_run_listed_twice_and_unknown_variant(tmp_path: Path) -> None:
    (path,) = runs(tmp_path, "zero_shot", "mt", "mbert", [0.5])
    with pytest.raises(InputError, match="listed twice"):
        transfer_table([path, path], BASES, BASELINES)
    (other,) = runs(tmp_path, "zero_shot", "mt", "fasttext", [0.5])
    with pytest.raises(ConfigError) as error:
        transfer_table([other], BASES, BASELINES)
    assert error.value.key == "variants.fasttext.base"


def hand_table(values: dict[tuple[str, str, str], float]) -> pd.DataFrame:
    """A transfer table from {(target, variant, setting): mean}, source en (itself in-language)."""
    rows = [
        {"source": t if s == "in_language" else "en", "target": t, "base_model": BASES[v], "variant": v,
         "setting": s, "shots": pd.NA if s == "in_language" else 0, "mean": m, "std": 1.0, "n_seeds": 5}
        for (t, v, s), m in values.items()
    ]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def hand_distances(targets: list[str], syntactic: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame({"source": "en", "target": targets, "syntactic": syntactic})
    for kind in DISTANCE_PREDICTORS[1:]:
        frame[kind] = 0.5
    frame["script_match"] = True
    return frame


def hand_unk(wunk: dict[str, float], tokenizer: str = "mbert") -> pd.DataFrame:
    rows = [{"view": t, "tokenizer": tokenizer, "dataset": "ner", "split": "train", "wunk_prop": w, "unk_prop": w / 3}
            for t, w in wunk.items()]
    rows.append({"view": "ug", "tokenizer": tokenizer, "dataset": "ner", "split": "dev", "wunk_prop": 9.0, "unk_prop": 9.0})
    return pd.DataFrame(rows)


TARGETS = ["be", "ga", "mt", "ug", "mhr"]
SYNTACTIC = [0.21, 0.28, 0.31, 0.47, 0.40]
WUNK = {"be": 0.004, "ga": 0.003, "mt": 0.02, "ug": 0.33, "mhr": 0.05}
ZERO = {"mbert": [70.0, 60.0, 40.0, 10.0, 5.0], "lapt": [72.0, 61.0, 55.0, 20.0, 30.0], "va": [71.0, 62.0, 50.0, 35.0, 33.0]}
IN_LANGUAGE = {"mbert": [91.1, 82.8, 61.9, 50.8, 61.9], "lapt": [91.6, 84.1, 81.5, 56.8, 59.2], "va": [91.4, 84.8, 80.0, 68.9, 64.2]}


def study_table() -> pd.DataFrame:
    values = {}
    for variant in ZERO:
        for i, target in enumerate(TARGETS):
            values[(target, variant, "zero_shot")] = ZERO[variant][i]
            values[(target, variant, "in_language")] = IN_LANGUAGE[variant][i]
    return hand_table(values)


def pick(analysis: pd.DataFrame, quantity: str, setting: str, predictor: str) -> pd.Series:
    row = analysis[(analysis.quantity == quantity) & (analysis.setting == setting) & (analysis.predictor == predictor)]
    assert len(row) == 1, (quantity, setting, predictor)
    return row.iloc[0]


def test_spearman_equals_scipy_on_a_hand_made_table() -> None:
    analysis = distance_analysis(study_table(), hand_distances(TARGETS, SYNTACTIC), hand_unk(WUNK),
                                 comparisons=[("lapt", "mbert"), ("va", "lapt")])
    assert list(analysis.columns) == ANALYSIS_COLUMNS
    zero = np.array(ZERO["mbert"])
    inside = np.array(IN_LANGUAGE["mbert"])
    wunk = np.array([WUNK[t] for t in TARGETS])
    cases = [
        ("f1:mbert", "zero_shot", "syntactic", SYNTACTIC, zero),
        ("f1:mbert", "zero_shot", "wunk_prop", wunk, zero),
        ("gap:mbert", "zero_shot", "syntactic", SYNTACTIC, inside - zero),
        ("gain:lapt-mbert", "zero_shot", "syntactic", SYNTACTIC, np.array(ZERO["lapt"]) - zero),
        ("gain:va-lapt", "in_language", "wunk_prop", wunk, np.array(IN_LANGUAGE["va"]) - IN_LANGUAGE["lapt"]),
        ("gain:va-lapt", "zero_shot", "unk_prop", wunk / 3, np.array(ZERO["va"]) - ZERO["lapt"]),
    ]
    for quantity, setting, predictor, x, y in cases:
        row = pick(analysis, quantity, setting, predictor)
        expected = stats.spearmanr(x, y)
        assert row.rho == pytest.approx(expected.statistic, abs=1e-12), quantity
        assert row.p_value == pytest.approx(expected.pvalue, abs=1e-12), quantity
        assert (row.n, row.base_model) == (5, "mbert")
    # mbert's zero-shot F1 falls as the syntactic distance grows: rho = -0.9 on these five.
    assert pick(analysis, "f1:mbert", "zero_shot", "syntactic").rho == pytest.approx(-0.9)
    # A constant predictor (every phonological distance 0.5) has no rho, but its n.
    constant = pick(analysis, "f1:mbert", "zero_shot", "phonological")
    assert math.isnan(constant.rho) and constant.n == 5
    # In-language quantities have no source, so no distance predictors.
    assert set(analysis[analysis.setting == "in_language"].predictor) == {"wunk_prop", "unk_prop"}
    # Default comparisons: each specialisation against its base model's variant.
    default = distance_analysis(study_table(), hand_distances(TARGETS, SYNTACTIC), hand_unk(WUNK))
    assert sorted(q for q in set(default.quantity) if q.startswith("gain")) == ["gain:lapt-mbert", "gain:va-mbert"]


def test_fewer_than_three_points_give_nan_rho_with_n() -> None:
    table = hand_table({("ug", "mbert", "zero_shot"): 10.0, ("mt", "mbert", "zero_shot"): 40.0,
                        ("ga", "mbert", "zero_shot"): 60.0})
    # The distances lack ga, so two points remain for the distance predictors and three for UNK.
    analysis = distance_analysis(table, hand_distances(["ug", "mt"], [0.47, 0.31]), hand_unk(WUNK))
    syntactic = pick(analysis, "f1:mbert", "zero_shot", "syntactic")
    assert math.isnan(syntactic.rho) and math.isnan(syntactic.p_value) and syntactic.n == 2
    unk = pick(analysis, "f1:mbert", "zero_shot", "wunk_prop")
    assert unk.n == 3 and unk.rho == pytest.approx(-1.0)


def test_distances_keyed_otherwise_than_the_transfer_table_is_an_error() -> None:
    table = hand_table({("ug", "mbert", "zero_shot"): 10.0})
    iso_keyed = hand_distances(["uig"], [0.47]).assign(source="eng")
    with pytest.raises(ValueError, match="covers none of the transfer pairs"):
        distance_analysis(table, iso_keyed, hand_unk(WUNK))


def test_analysis_with_real_uriel_distances() -> None:
    """English to Uyghur, Wolof and Maltese, with the distances URIEL gives them."""
    views = {"eng": "en", "uig": "ug", "wol": "wo", "mlt": "mt"}
    real = pd.DataFrame(distances([("eng", "uig"), ("eng", "wol"), ("eng", "mlt")],
                                  [("Latn", "Arab"), ("Latn", "Latn"), ("Latn", "Latn")]))
    real["source"] = real["source"].map(views)
    real["target"] = real["target"].map(views)
    f1 = {"ug": 12.0, "wo": 30.0, "mt": 45.0}
    table = hand_table({(t, v, "zero_shot"): f1[t] + (5.0 if v == "lapt" else 0.0) * (t == "mt")
                        for t in f1 for v in ("mbert", "lapt")})
    analysis = distance_analysis(table, real, hand_unk({"ug": 0.33, "wo": 0.01, "mt": 0.02}))
    targets = real.set_index("target")
    for predictor in ("syntactic", "geographic", "inventory"):
        row = pick(analysis, "f1:mbert", "zero_shot", predictor)
        expected = stats.spearmanr(targets.loc[["ug", "wo", "mt"], predictor], [12.0, 30.0, 45.0])
        assert row.n == 3
        assert row.rho == pytest.approx(expected.statistic, abs=1e-12)
    # Uyghur is the farthest of the three from English in syntax and on the map, and the worst.
    assert pick(analysis, "f1:mbert", "zero_shot", "syntactic").rho == pytest.approx(-1.0)
    # None of the three shares a family with English: the genetic distance is constant, no rho.
    genetic = pick(analysis, "f1:mbert", "zero_shot", "genetic")
    assert math.isnan(genetic.rho) and genetic.n == 3
    # Only Uyghur changes script: script_match ranks it apart.
    assert pick(analysis, "f1:mbert", "zero_shot", "script_match").rho > 0
    assert pick(analysis, "gain:lapt-mbert", "zero_shot", "geographic").n == 3
