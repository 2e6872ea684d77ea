"""Figures: each is drawn from the current tables (series, point counts, axes), and skipped when absent."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import pytest
from docutils.core import publish_parts
from docutils.utils import SystemMessage
from scipy import stats

from specmlm import plots
from specmlm.aggregate import read_scores, task_table, with_baselines
from specmlm.config import load
from specmlm.curves import read_histories
from specmlm.errors import ConfigError
from specmlm.published import METRIC, published

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ("fasttext", "roberta", "mbert", "lapt", "va")
SEEDS = 3
# A partly run study: NER complete (8 languages + both Latin views), POS and UD on six views each.
VIEWS = {
    "pos": ("be", "ga", "mt", "ug", "ug-Latn", "vi", "wo"),
    "ud": ("be", "ga", "mt", "ug", "ug-Latn", "vi"),
    "ner": ("be", "bg", "ga", "mt", "ug", "ug-Latn", "ur", "vi", "mhr", "mhr-Latn"),
}
NOT_RUN = {("pos", "wo", "va"), ("ud", "vi", "fasttext")}
# Shifts from the paper's number: ga POS LAPT falls below mBERT (a sign the paper does not have).
SHIFT = {("pos", "ga", "lapt"): -3.0, ("ud", "ug", "va"): -4.0}
# Words-with-UNK proportion (train split) under mBERT and VA per view and dataset (PAPER §9 where known).
WUNK = {
    ("ud", "ug"): (0.38402, 0.04387), ("ud", "ug-Latn"): (0.00644, 0.0), ("ner", "ug"): (0.33474, 0.02813),
    ("ner", "ug-Latn"): (0.00141, 0.0), ("ner", "mhr"): (0.05298, 0.00442), ("ner", "mhr-Latn"): (0.05298, 0.00442),
    ("ud", "ga"): (0.0, 0.0), ("ner", "ga"): (0.00348, 0.0), ("ud", "mt"): (0.031, 0.002), ("ner", "mt"): (0.045, 0.003),
    ("ud", "wo"): (0.012, 0.0007),
}
# Type 0 languages: a few UNKs under mBERT, almost none under VA (the same on every dataset).
TYPE0_WUNK = {"be": (0.0041, 0.0), "bg": (0.0029, 0.00008), "ur": (0.0091, 0.0006), "vi": (0.0017, 0.00002)}
TRANSFER_TARGETS = ("be", "bg", "mt", "ug", "ug-Latn", "mhr")


def config() -> dict[str, Any]:
    return load(REPO / "config.yaml")


def write_task_tables(root: Path) -> None:
    rng = np.random.default_rng(7)
    for task, views in VIEWS.items():
        paths = []
        for view in views:
            for variant in VARIANTS:
                if (task, view, variant) in NOT_RUN:
                    continue
                centre = published(task, view, variant)[0] + SHIFT.get((task, view, variant), 0.0)
                for seed, score in enumerate(np.clip(centre + rng.normal(0, 0.6, SEEDS), 0, 100)):
                    path = root / f"runs/{task}/{view}/{variant}/seed{seed}/metrics.json"
                    path.parent.mkdir(parents=True)
                    run = {"task": task, "view": view, "variant": variant, "seed": seed}
                    path.write_text(json.dumps({"run": run, "test": {METRIC[task]: score / 100}}))
                    paths.append(path)
        table = task_table(read_scores(paths), task, {v: {"language": v.split("-")[0]} for v in views})
        baselines = pd.DataFrame({"task": task, "view": views, "test": [50.0 + i for i in range(len(views))]})
        table = with_baselines(table, baselines)
        table.to_csv(root / f"tables/{task}.csv", index=False)


def write_tokenization(root: Path) -> None:
    info = plots.view_info(config())
    rows = []
    views = dict.fromkeys(v for vs in VIEWS.values() for v in vs)
    for view in views:
        datasets = [d for d, task in (("ud", "pos"), ("ner", "ner")) if view in VIEWS[task]] + ["text"]
        for tokenizer, position in (("mbert", 0), ("va", 1)):
            for dataset in datasets:
                for split in ("train", "dev", "test") if dataset != "text" else ("train", "valid", "test"):
                    words = 200_000
                    wunk = WUNK.get((dataset, view), TYPE0_WUNK.get(view, (0.01, 0.001)))[position]
                    with_unk = round(wunk * words)
                    subwords, unk, continuation = 330_000, with_unk, 120_000
                    rows.append({
                        "view": view, "language": view.split("-")[0], "script": info[view].script,
                        "type": info[view].type, "tokenizer": tokenizer, "dataset": dataset, "split": split,
                        "words": words, "subwords": subwords, "unk": unk, "words_with_unk": with_unk,
                        "continuation": continuation, "fertility": subwords / words,
                        "continuation_prop": continuation / subwords, "unk_prop": unk / subwords,
                        "wunk_prop": with_unk / words,
                    })
    pd.DataFrame(rows).to_csv(root / "tables/tokenization.csv", index=False)


def write_transfer(root: Path) -> None:
    rng = np.random.default_rng(3)
    rows = []
    for target in TRANSFER_TARGETS:
        for variant in ("mbert", "lapt", "va"):
            for setting, shots in (("zero-shot", 0), ("few-shot", 10), ("few-shot", 100)):
                mean, baseline = round(float(rng.uniform(20, 90)), 2), 5.0 + shots / 10  # one gazetteer per setting
                rows.append({"source": "en", "target": target, "base_model": "mbert", "variant": variant,
                             "setting": setting, "shots": shots, "mean": mean,
                             "std": round(float(rng.uniform(0.5, 4)), 2), "n_seeds": 3, "baseline": baseline,
                             "margin": round(mean - baseline, 2)})
    pd.DataFrame(rows).to_csv(root / "tables/ner_transfer.csv", index=False)
    distances = []
    for i, target in enumerate(TRANSFER_TARGETS):
        distances.append({"source": "en", "target": target, "syntactic": 0.4 + 0.05 * i,
                          "phonological": None if target == "mhr" else 0.3 + 0.06 * i, "inventory": 0.5 - 0.04 * i,
                          "genetic": 1.0 if i > 2 else 0.8, "geographic": 0.1 + 0.08 * i,
                          "script_match": target in ("mt", "ug-Latn")})
    pd.DataFrame(distances).to_csv(root / "tables/distances.csv", index=False)


# Dev score per epoch of a few runs: (task, view, variant, seed) -> scores; the best epoch is the maximum.
HISTORIES = {("pos", "ug", "mbert", 0): [0.50, 0.70, 0.72, 0.71], ("pos", "ug", "mbert", 1): [0.52, 0.69, 0.70],
             ("pos", "ug", "va", 0): [0.60, 0.80, 0.82], ("ud", "wo", "lapt", 0): [0.10, 0.20, 0.30]}


def write_learning_curves(root: Path) -> None:
    paths = []
    for (task, view, variant, seed), scores in HISTORIES.items():
        metric = METRIC[task]
        path = root / f"curves/runs/{task}/{view}/{variant}/seed{seed}/metrics.json"
        path.parent.mkdir(parents=True)
        history = [{"epoch": i + 1, "train_loss": 1.0 / (i + 1), f"dev_{metric}": s} for i, s in enumerate(scores)]
        path.write_text(json.dumps({"run": {"task": task, "view": view, "variant": variant, "seed": seed},
                                    "metric": metric, "best_epoch": int(np.argmax(scores)) + 1, "epochs_run": len(scores),
                                    "settings": {"max_epochs": 3}, "history": history}))
        paths.append(path)
    read_histories(paths).to_csv(root / "tables/learning_curves.csv", index=False)


def build_study(root: Path, transfer: bool = True) -> Path:
    """Tables of a partly run study in the pipeline's own formats (aggregate.task_table for the tasks)."""
    (root / "tables").mkdir(parents=True)
    write_task_tables(root)
    write_tokenization(root)
    write_learning_curves(root)
    if transfer:
        write_transfer(root)
    return root / "tables"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def drawn(study: Path) -> tuple[Path, dict[str, Any]]:
    out = study.parent / "plots"
    return out, plots.draw_all(study, config(), out)


def test_draw_all_writes_every_png_and_the_descriptions(drawn: tuple[Path, dict[str, Any]]) -> None:
    out, descriptions = drawn
    names = ["scores_pos", "scores_ud", "scores_ner", "unk_gain", "translit", "transfer_distance", "transfer_settings",
             "learning_curves"]
    assert list(descriptions) == names
    for name in names:
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert descriptions[name]["file"] == png.name
    assert json.loads((out / "plots.json").read_text()) == json.loads(json.dumps(descriptions))


@pytest.mark.parametrize("task", ["pos", "ud", "ner"])
def test_scores_plot_matches_its_table(study: Path, drawn: tuple[Path, dict[str, Any]], task: str) -> None:
    table = pd.read_csv(study / f"{task}.csv")
    (panel,) = drawn[1][f"scores_{task}"]["panels"]
    assert panel["series"] == table.groupby("variant")["view"].count().to_dict()
    for variant, rows in table.groupby("variant"):
        assert panel["values"][variant] == dict(zip(rows["view"], rows["mean"], strict=True))
        assert panel["published"][variant] == int(rows["published_mean"].notna().sum())
    assert panel["xticklabels"] == [*VIEWS[task], "avg"]
    assert panel["baselines"] == {view: 50.0 + i for i, view in enumerate(VIEWS[task])}
    assert panel["ylabel"] == f"{plots.TASK_METRIC[task]} on the test set (%)"
    assert panel["xlabel"].startswith("view")


def test_partial_views_give_partial_averages(study: Path, drawn: tuple[Path, dict[str, Any]]) -> None:
    ud = drawn[1]["scores_ud"]["panels"][0]
    assert ud["xticklabels"][-1] == "avg"
    assert ud["values"]["fasttext"]["avg(4 of 8)"] == pd.read_csv(study / "ud.csv").query(
        "variant == 'fasttext' and view == 'avg(4 of 8)'")["mean"].item()
    assert "avg(5 of 8)" in ud["values"]["va"]
    assert drawn[1]["scores_ner"]["panels"][0]["xticklabels"][-1] == "avg"


def test_unk_gain_plot_is_the_papers_figure(study: Path, drawn: tuple[Path, dict[str, Any]]) -> None:
    description = drawn[1]["unk_gain"]
    assert [p["title"].split(":")[0] for p in description["panels"]] == ["POS tagging", "UD parsing", "WikiAnn NER"]
    tokenization = pd.read_csv(study / "tokenization.csv")
    for task, panel in zip(("pos", "ud", "ner"), description["panels"], strict=True):
        assert panel["xscale"] == "log"
        assert "log scale" in panel["xlabel"] and "words-with-UNK" in panel["xlabel"]
        assert panel["ylabel"] == f"VA − LAPT {plots.TASK_METRIC[task]} (percentage points)"
        table = pd.read_csv(study / f"{task}.csv").set_index(["view", "variant"])["mean"]
        dataset = "ner" if task == "ner" else "ud"
        train = tokenization[(tokenization["dataset"] == dataset) & (tokenization["split"] == "train")]
        wunk = train.set_index(["view", "tokenizer"])["wunk_prop"]
        expected = {v: [wunk[v, "mbert"] - wunk[v, "va"], round(table[v, "va"] - table[v, "lapt"], 2)]
                    for v in VIEWS[task] if (v, "va") in table.index and (v, "lapt") in table.index}
        assert list(panel["points"]) == list(expected)
        for view, point in expected.items():
            assert panel["points"][view] == pytest.approx(point)
        by_script: dict[str, int] = {}
        for view in expected:
            name = plots.SCRIPT_NAME[plots.view_info(config())[view].script]
            by_script[name] = by_script.get(name, 0) + 1
        assert panel["series"] == by_script
        originals = [v for v in expected if "-" not in v]
        rho = stats.spearmanr([expected[v][0] for v in originals], [expected[v][1] for v in originals])
        assert panel["spearman"] == {"rho": pytest.approx(rho.statistic), "p": pytest.approx(rho.pvalue),
                                     "n": len(originals)}
        assert f"ρ = {rho.statistic:.2f}" in panel["title"]
        assert panel["clipped"] == [v for v in expected if expected[v][0] <= 0]
    assert description["panels"][1]["clipped"] == ["ga"]


def test_translit_plot_pairs_each_view_with_its_original(study: Path, drawn: tuple[Path, dict[str, Any]]) -> None:
    panels = drawn[1]["translit"]["panels"]
    assert [(p["task"], list(p["series"])) for p in panels] == [
        ("pos", ["ug", "ug-Latn"]), ("ud", ["ug", "ug-Latn"]), ("ner", ["ug", "ug-Latn"]), ("ner", ["mhr", "mhr-Latn"]),
    ]
    for panel in panels:
        table = pd.read_csv(study / f"{panel['task']}.csv")
        for view, values in panel["values"].items():
            rows = table[table["view"] == view]
            assert values == dict(zip(rows["variant"], rows["mean"], strict=True))
            assert panel["series"][view] == len(rows) == 5
        assert panel["xlabel"] == "variant"


def test_transfer_plot_has_a_panel_per_distance(study: Path, drawn: tuple[Path, dict[str, Any]]) -> None:
    panels = drawn[1]["transfer_distance"]["panels"]
    assert [p["distance"] for p in panels] == list(plots.DISTANCE_KINDS)
    per_series = len(TRANSFER_TARGETS)
    expected = {f"{variant}, {setting}": per_series for variant in ("mbert", "lapt", "va")
                for setting in ("zero-shot", "few-shot (10 shots)", "few-shot (100 shots)")}
    syntactic = panels[0]
    assert syntactic["series"] == expected
    phonological = panels[1]
    assert phonological["without_distance"] == 9
    assert set(phonological["series"].values()) == {per_series - 1}
    assert all(p["ylabel"] == "NER span F1 on the target test set (%)" for p in panels)
    assert syntactic["xlabel"].startswith("syntactic distance")


def test_learning_curves_plot_a_panel_per_task_and_view(drawn: tuple[Path, dict[str, Any]]) -> None:
    panels = drawn[1]["learning_curves"]["panels"]
    # the config's view order (ug before wo); pos has no wo runs and ud no ug runs: those panels stay empty
    assert [(p["task"], p["view"]) for p in panels] == [("pos", "ug"), ("ud", "wo")]
    assert panels[0]["series"] == {"mbert/seed0": 4, "mbert/seed1": 3, "va/seed0": 3}
    assert panels[0]["still_improving"] == ["mbert/seed1", "va/seed0"]
    assert panels[1]["still_improving"] == ["lapt/seed0"]
    assert panels[0]["ylabel"] == "dev POS accuracy (%)"


def test_transfer_settings_plot_has_a_panel_per_pair_and_a_bar_per_variant_and_setting(
        study: Path, drawn: tuple[Path, dict[str, Any]]) -> None:
    panels = drawn[1]["transfer_settings"]["panels"]
    assert [(p["source"], p["target"]) for p in panels] == [("en", t) for t in TRANSFER_TARGETS]
    assert all(p["series"] == {"mbert": 3, "lapt": 3, "va": 3} for p in panels)
    assert panels[0]["ylabel"] == f"NER span F1 on {TRANSFER_TARGETS[0]} test (%)"
    table = pd.read_csv(study / "ner_transfer.csv")
    for panel in panels:  # each setting's baseline line at the table's baseline
        rows = table[table["target"] == panel["target"]].drop_duplicates(["setting", "shots"])
        assert sorted(panel["baselines"].values()) == sorted(rows["baseline"].astype(float))


def test_absent_tables_skip_their_plots_with_a_reason(tmp_path: Path) -> None:
    tables = build_study(tmp_path, transfer=False)
    (tables / "ud.csv").unlink()
    descriptions = plots.draw_all(tables, config(), tmp_path / "plots")
    assert "ner_transfer.csv is absent" in descriptions["transfer_distance"]["skipped"]
    assert "ner_transfer.csv is absent" in descriptions["transfer_settings"]["skipped"]
    assert "ud.csv is absent" in descriptions["scores_ud"]["skipped"]
    assert not (tmp_path / "plots/transfer_distance.png").exists()
    assert not (tmp_path / "plots/scores_ud.png").exists()
    assert [p["title"].split(":")[0] for p in descriptions["unk_gain"]["panels"]] == ["POS tagging", "WikiAnn NER"]


def test_a_view_missing_from_the_config_is_named(tmp_path: Path) -> None:
    tables = build_study(tmp_path, transfer=False)
    table = pd.read_csv(tables / "pos.csv")
    table.loc[table["view"] == "wo", "view"] = "xx"
    table.to_csv(tables / "pos.csv", index=False)
    with pytest.raises(ConfigError, match="'xx' in .*pos.csv is not a language"):
        plots.plot_scores(plots.read_tables(tables), config(), "pos")


def test_comparisons_follow_the_variant_kinds() -> None:
    found = [(c.label, c.minuend, c.subtrahend, c.base) for c in plots.comparisons(config())]
    assert found == [("LAPT − mBERT", "lapt", "mbert", "mbert"), ("VA − LAPT", "va", "lapt", "mbert")]


def test_every_plot_and_table_has_a_caption_that_renders() -> None:
    report = REPO / "workflow/report"
    tasks = ("pos", "ud", "ner")
    names = ["plots", *(n for n in plots.TABLE_COLUMNS if n not in tasks), "summary", "workflow"]
    texts = {name: (report / f"{name}.rst").read_text(encoding="utf-8") for name in names}
    for name in names:
        assert "{{" not in texts[name] and "{%" not in texts[name]
    template = jinja2.Template((report / "tables.rst").read_text(encoding="utf-8"))
    for task in tasks:
        texts[f"tables[{task}]"] = template.render(snakemake=SimpleNamespace(wildcards=SimpleNamespace(task=task)))
        assert {"pos": "POS", "ud": "UD", "ner": "NER"}[task] in texts[f"tables[{task}]"]
    for name, text in texts.items():
        try:
            publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "warning_stream": io.StringIO()})
        except SystemMessage as error:
            pytest.fail(f"{name}.rst: {error}")
