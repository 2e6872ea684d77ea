"""Cross-lingual transfer of NER: the runs' table, and how it varies with language distance.

The question is whether specialising a multilingual model (LAPT, VA, transliteration) still
pays when the task is learned in another language (English WikiAnn) and the target is
typologically far from it, and whether what it buys tracks URIEL's distances or mBERT's UNK
rate. With one source and eight-odd targets every correlation rests on a handful of points,
so each one reports ``n`` beside Spearman's rho, and rho is withheld (NaN) below 3 points.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from specmlm.errors import ConfigError, InputError
from specmlm.identity import IN_LANGUAGE, read_run, shots_of
from specmlm.statistics import spearman
from specmlm.typology import DISTANCE_KINDS

log = logging.getLogger(__name__)

TABLE_COLUMNS = ["source", "target", "base_model", "variant", "setting", "shots", "mean", "std", "n_seeds",
                 "baseline", "margin"]
ANALYSIS_COLUMNS = ["quantity", "setting", "base_model", "predictor", "rho", "p_value", "n"]
DISTANCE_PREDICTORS = (*DISTANCE_KINDS, "script_match")
UNK_PREDICTORS = ("wunk_prop", "unk_prop")
UNK_COLUMNS = ["view", "tokenizer", "dataset", "split", *UNK_PREDICTORS]
QUANTITY_ORDER = {"f1": 0, "gap": 1, "gain": 2}


def _setting_order(setting: str) -> tuple[int, int]:
    """In-language first, then zero-shot and growing few-shot."""
    return (0, 0) if setting == IN_LANGUAGE else (1, shots_of(setting))


def _group_order(quantity: str, setting: str, base_model: str) -> tuple:
    """F1 first, then gaps, then gains; settings from in-language through growing few-shot."""
    return QUANTITY_ORDER[quantity.split(":")[0]], quantity, _setting_order(setting), base_model


def _read_run(path: str | Path) -> dict[str, object]:
    """One run: its source, target, setting, variant, seed (its recorded identity) and test span
    F1 in percent; an in-language NER run is its own source, in setting ``in_language``."""
    metrics, identity = read_run(path)
    if identity["task"] != "ner":
        raise InputError(path, None, f"a {identity['task']} run; the transfer table reads NER runs")
    run = {"source": identity.get("source", identity["view"]), "target": identity["view"],
           "setting": identity.get("setting", IN_LANGUAGE), "variant": identity["variant"]}
    try:
        score = metrics["test"]["span_f1"]
    except (KeyError, TypeError) as err:
        raise InputError(path, None, f'expected JSON with {{"test": {{"span_f1": <fraction>}}}} ({err})') from None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= score <= 1.0:
        raise InputError(path, None, f"test span_f1 {score!r} is not a fraction in [0, 1]")
    return {**run, "seed": identity["seed"], "score": 100.0 * score, "path": str(path)}


def transfer_table(metrics_paths: Iterable[str | Path], base_models: Mapping[str, str],
                   baselines: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample std (ddof=1, NaN for one seed) of test span F1 in percent, per configuration,
    beside its trivial baseline, so a transfer cell that learned nothing shows it where it is read.

    One row per source × target × variant × setting; ``base_models`` maps each variant to the
    pretrained model it starts from, so that gains can be read within a model family.
    ``baselines`` (``baselines.transfer_baselines``) has the test F1 of each (source, target,
    setting)'s gazetteer; ``baseline`` is it and ``margin`` the mean minus it, both to 2 decimals.
    """
    runs = pd.DataFrame([_read_run(path) for path in metrics_paths],
                        columns=["source", "target", "setting", "variant", "seed", "score", "path"])
    unknown = sorted(set(runs["variant"]) - set(base_models))
    if unknown:
        raise ConfigError(f"variants.{unknown[0]}.base", f"no base model given for variant(s) {', '.join(unknown)}")
    keys = ["source", "target", "variant", "setting"]
    repeated = runs[runs.duplicated([*keys, "seed"])]
    if not repeated.empty:
        raise InputError(repeated.iloc[0]["path"], None, "this run (source, target, setting, variant, seed) is listed twice")
    table = runs.groupby(keys, sort=False)["score"].agg(mean="mean", std="std", n_seeds="size")
    table = table.reset_index()
    table["base_model"] = table["variant"].map(base_models)
    table["shots"] = pd.array([None if s == IN_LANGUAGE else shots_of(s) for s in table["setting"]], dtype="Int64")
    baseline = table.merge(baselines, on=["source", "target", "setting"], how="left")["test"]
    if baseline.isna().any():
        lacking = table.loc[baseline.isna().to_numpy(), ["source", "target", "setting"]].iloc[0]
        raise ValueError(f"no baseline for source {lacking['source']}, target {lacking['target']}, "
                         f"setting {lacking['setting']}")
    table["baseline"] = baseline.to_numpy()
    table["margin"] = (table["mean"] - table["baseline"]).round(2)
    order = table["setting"].map(_setting_order)
    table = table.assign(_order=order).sort_values(["target", "base_model", "variant", "_order", "source"])
    return table[TABLE_COLUMNS].reset_index(drop=True)


def _quantities(transfer: pd.DataFrame, comparisons: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Long table of the values to explain: quantity, setting, base_model, source, target, value.

    ``f1:<v>`` is the mean F1 of variant v; ``gap:<v>`` its in-language F1 minus its transfer F1
    on the same target; ``gain:<v>-<r>`` variant v's F1 minus reference r's in the same setting.
    """
    keys = ["source", "target", "setting"]
    parts = [transfer.assign(quantity="f1:" + transfer["variant"], value=transfer["mean"])]
    in_language = transfer[transfer["setting"] == IN_LANGUAGE][["target", "variant", "mean"]]
    crossed = transfer[transfer["setting"] != IN_LANGUAGE].merge(in_language, on=["target", "variant"],
                                                                 suffixes=("", "_in"))
    parts.append(crossed.assign(quantity="gap:" + crossed["variant"], value=crossed["mean_in"] - crossed["mean"]))
    for variant, reference in comparisons:
        pair = transfer[transfer["variant"] == variant].merge(
            transfer[transfer["variant"] == reference][[*keys, "mean"]], on=keys, suffixes=("", "_ref"))
        parts.append(pair.assign(quantity=f"gain:{variant}-{reference}", value=pair["mean"] - pair["mean_ref"]))
    columns = ["quantity", "setting", "base_model", "source", "target", "value"]
    return pd.concat([part[columns] for part in parts], ignore_index=True)


def _default_comparisons(transfer: pd.DataFrame) -> list[tuple[str, str]]:
    """Each specialised variant against its base model's own variant (lapt - mbert, xlmr_lapt - xlmr)."""
    variants = dict(zip(transfer["variant"], transfer["base_model"], strict=True))
    return [(v, base) for v, base in variants.items() if v != base and base in variants]


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"{what} lacks column(s) {', '.join(absent)}; expected {', '.join(columns)}")


def _unk_predictors(unk: pd.DataFrame, dataset: str, split: str) -> pd.DataFrame:
    """UNK proportions per target view and tokenizer (base_model) on one dataset and split."""
    _require_columns(unk, UNK_COLUMNS, "tokenization table")
    rows = unk[(unk["dataset"] == dataset) & (unk["split"] == split)]
    repeated = rows[rows.duplicated(["view", "tokenizer"])]
    if not repeated.empty:
        raise ValueError(f"tokenization table has several {dataset}/{split} rows for view "
                         f"{repeated.iloc[0]['view']!r}, tokenizer {repeated.iloc[0]['tokenizer']!r}")
    return rows.rename(columns={"view": "target", "tokenizer": "base_model"})[["target", "base_model", *UNK_PREDICTORS]]


def _distance_predictors(distances: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Distances per (source, target), checked to cover the transfer pairs they must explain."""
    _require_columns(distances, ["source", "target", *DISTANCE_PREDICTORS], "distances")
    if distances.duplicated(["source", "target"]).any():
        raise ValueError("distances has several rows for one (source, target) pair")
    table = distances[["source", "target", *DISTANCE_PREDICTORS]].astype({"script_match": float})
    wanted = set(zip(points["source"], points["target"], strict=True))
    lacking = sorted(wanted - set(zip(table["source"], table["target"], strict=True)))
    if wanted and len(lacking) == len(wanted):
        raise ValueError(f"distances covers none of the transfer pairs {sorted(wanted)}: key its source and target "
                         "by the names the transfer table uses (views, not ISO 639-3 codes)")
    if lacking:
        log.warning("no distances for %d transfer pair(s): %s", len(lacking), lacking)
    return table


def distance_analysis(
    transfer: pd.DataFrame,
    distances: pd.DataFrame,
    unk: pd.DataFrame,
    comparisons: Sequence[tuple[str, str]] | None = None,
    unk_dataset: str = "ner",
    unk_split: str = "train",
) -> pd.DataFrame:
    """Spearman correlations of transfer F1, transfer gaps and specialisation gains with distance and UNKs.

    ``transfer`` is ``transfer_table``'s output; ``distances`` has a row per (source, target),
    keyed by the same names, with ``typology.distances`` columns; ``unk`` is the tokenization
    table (view, tokenizer, dataset, split, wunk_prop, unk_prop), read for the target under
    the quantity's base model's tokenizer. ``comparisons`` lists (variant, reference) gains,
    e.g. ``[("lapt", "mbert"), ("va", "lapt")]``; by default each variant against its base.
    A point is one (source, target) pair. In-language quantities have no source to be far
    from, so they are set against the UNK predictors only. Columns: ``ANALYSIS_COLUMNS``.
    """
    comparisons = _default_comparisons(transfer) if comparisons is None else comparisons
    points = _quantities(transfer, comparisons)
    crossed = points["setting"] != IN_LANGUAGE
    points = points.merge(_distance_predictors(distances, points[crossed]), on=["source", "target"], how="left")
    points = points.merge(_unk_predictors(unk, unk_dataset, unk_split), on=["target", "base_model"], how="left")
    lacking = sorted(set(points.loc[points["wunk_prop"].isna(), "target"]))
    if lacking:
        log.warning("no %s/%s UNK proportions for target(s) %s", unk_dataset, unk_split, ", ".join(lacking))
    rows = []
    groups = sorted(points.groupby(["quantity", "setting", "base_model"]), key=lambda item: _group_order(*item[0]))
    for (quantity, setting, base_model), group in groups:
        predictors = UNK_PREDICTORS if setting == IN_LANGUAGE else (*DISTANCE_PREDICTORS, *UNK_PREDICTORS)
        for predictor in predictors:
            rho, p_value, n = spearman(group[predictor], group["value"])
            rows.append({"quantity": quantity, "setting": setting, "base_model": base_model,
                         "predictor": predictor, "rho": rho, "p_value": p_value, "n": n})
    return pd.DataFrame(rows, columns=ANALYSIS_COLUMNS).astype({"n": np.int64})
