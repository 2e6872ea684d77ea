"""The study's figures, drawn from the tables alone so that they redraw without retraining.

Each figure function takes the tables (as :func:`read_tables` returns them) and the config and
returns the Figure with a description of what it drew: per panel its title, axis labels and
scales, its series with their point counts, and the plotted values. ``plots.json`` and the tests
check a figure against the current tables through that description, never through pixels.

Figures are built on :class:`matplotlib.figure.Figure` directly (rendered by Agg when saved as
PNG), so importing this module neither picks a GUI backend nor keeps figures alive in pyplot.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from specmlm.aggregate import COLUMNS as TASK_COLUMNS
from specmlm.atomic import atomic_open, write_json
from specmlm.config import TASK_DATA
from specmlm.curves import COLUMNS as CURVE_COLUMNS
from specmlm.errors import ConfigError, InputError
from specmlm.representations import KINDS
from specmlm.statistics import spearman
from specmlm.transfer import TABLE_COLUMNS as TRANSFER_COLUMNS
from specmlm.transfer_findings import keyed, setting_label, transfer_pairs

log = logging.getLogger(__name__)

DPI = 150
TASK_TABLES = ("pos", "ud", "ner")
TABLE_COLUMNS: dict[str, list[str]] = {
    **dict.fromkeys(TASK_TABLES, TASK_COLUMNS),
    "tokenization": [
        "view", "language", "script", "type", "tokenizer", "dataset", "split", "words", "subwords", "unk",
        "words_with_unk", "continuation", "fertility", "continuation_prop", "unk_prop", "wunk_prop",
    ],
    "ner_transfer": TRANSFER_COLUMNS,
    "distances": ["source", "target", "syntactic", "phonological", "inventory", "genetic", "geographic", "script_match"],
    "learning_curves": CURVE_COLUMNS,
}
STRING_COLUMNS = ("task", "view", "language", "variant", "marker", "script", "tokenizer", "dataset", "split",
                  "source", "target", "base_model", "setting")
DISTANCE_KINDS = ("syntactic", "phonological", "inventory", "genetic", "geographic")

TASK_TITLE = {"pos": "POS tagging", "ud": "UD parsing", "ner": "WikiAnn NER"}
TASK_METRIC = {"pos": "POS accuracy", "ud": "LAS", "ner": "NER span F1"}
DISPLAY = {"fasttext": "fastText", "roberta": "RoBERTa", "scratch": "RoBERTa", "mbert": "mBERT", "lapt": "LAPT",
           "va": "VA", "xlmr": "XLM-R"}
SCRIPT_NAME = {"Latn": "Latin", "Cyrl": "Cyrillic", "Arab": "Arabic"}
SCRIPT_COLOUR = {"Latn": "tab:blue", "Cyrl": "tab:red", "Arab": "tab:green"}
SPARE_COLOURS = ("tab:purple", "tab:brown", "tab:olive", "tab:cyan", "tab:pink", "tab:gray")
TYPE_MARKER = {0: "o", 1: "s", 2: "^"}
TYPE_LABEL = {0: "Type 0: in mBERT, well resourced", 1: "Type 1: in mBERT, under-represented",
              2: "Type 2: unseen by mBERT"}
SETTING_MARKERS = ("o", "s", "^", "D", "v", "P")
# The paper's number: a hollow black diamond, drawn over the dot so that a match rings it.
PAPER_HANDLE = {"ls": "none", "marker": "D", "ms": 8, "mfc": "none", "mec": "black", "mew": 1.1}
# PAPER §9: Spearman rho (p) of the VA-over-LAPT gain with the words-with-UNK reduction, 8 languages.
PAPER_SPEARMAN = {"ud": (0.8024, 0.0165), "pos": (0.2771, 0.5064), "ner": (0.0476, 0.9108)}
# A view's trivial baseline (baselines.csv): a dotted line across the view's group.
BASELINE_STYLE = {"color": "0.25", "linestyle": ":", "linewidth": 1.4}
# A gain the paper reports: a variant of one kind over the variant of the kind it builds on, same base model.
GAIN_STEPS = {name: kind.builds_on for name, kind in KINDS.items() if kind.builds_on}


class NothingToDraw(Exception):
    """A figure's inputs are absent from this run; the figure is skipped, with this message."""


@dataclass(frozen=True)
class ViewInfo:
    name: str
    script: str
    type: int
    parent: str | None


@dataclass(frozen=True)
class Comparison:
    """``minuend`` − ``subtrahend``: the gain of one adaptation step (LAPT over mBERT, VA over LAPT)."""

    minuend: str
    subtrahend: str
    kind: str
    base: str

    @property
    def label(self) -> str:
        return f"{display(self.minuend)} − {display(self.subtrahend)}"


def display(variant: str) -> str:
    return DISPLAY.get(variant, variant)


def read_tables(tables_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of :data:`TABLE_COLUMNS` present in ``tables_dir``; absent ones are left out.

    A table's path is kept in ``attrs["path"]`` so later checks can name the file.
    """
    tables = {}
    for name, columns in TABLE_COLUMNS.items():
        path = Path(tables_dir) / f"{name}.csv"
        if not path.exists():
            continue
        table = pd.read_csv(path, dtype={c: str for c in STRING_COLUMNS})
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(path, 1, f"header lacks columns {missing}; expected {columns}")
        table.attrs["path"] = str(path)
        tables[name] = table
    return tables


def view_info(config: dict[str, Any]) -> dict[str, ViewInfo]:
    """Name, script and type of every view the config can make, in config order.

    A transliterated view keeps its language's type; its script is the ISO 15924 suffix.
    """
    info = {}
    for lang, entry in config["languages"].items():
        info[lang] = ViewInfo(entry["name"], entry["script"], int(entry["type"]), None)
        for view in entry.get("translit", {}):
            script = view.split("-", 1)[1]
            info[view] = ViewInfo(f"{entry['name']} ({SCRIPT_NAME.get(script, script)})", script, int(entry["type"]), lang)
    return info


def lookup(info: dict[str, ViewInfo], view: str, table: pd.DataFrame) -> ViewInfo:
    if view not in info:
        raise ConfigError("languages", f"view {view!r} in {table.attrs.get('path', 'a table')} is not a language "
                                       "or transliterated view of the config")
    return info[view]


def comparisons(config: dict[str, Any]) -> list[Comparison]:
    """The adaptation steps the config's variants allow, LAPT steps first (as in PAPER §10.5)."""
    order = config["study"]["variants"]
    specs = config["variants"]
    first: dict[tuple[str, str | None], str] = {}
    for name in order:
        first.setdefault((specs[name]["kind"], specs[name].get("base")), name)
    found = []
    for kind, builds_on in GAIN_STEPS.items():
        for name in order:
            spec = specs[name]
            step = (builds_on, spec.get("base"))
            if spec["kind"] == kind and step in first:
                found.append(Comparison(name, first[step], kind, spec["base"]))
    return found


def is_average(views: pd.Series) -> pd.Series:
    return views.str.startswith("avg")


def cell_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per-view means, views down and variants across (the averages left out)."""
    return table[~is_average(table["view"])].pivot(index="view", columns="variant", values="mean")


def variant_order(config: dict[str, Any], present: Iterable[str]) -> list[str]:
    """The config's variant order, then any variant the tables hold that the config no longer lists."""
    present = list(dict.fromkeys(present))
    return [v for v in config["study"]["variants"] if v in present] + [v for v in present if v not in config["study"]["variants"]]


def variant_colours(config: dict[str, Any], variants: Iterable[str]) -> dict[str, str]:
    """One colour per variant, the same in every figure."""
    order = variant_order(config, [*config["study"]["variants"], *variants])
    return {v: f"C{i % 10}" for i, v in enumerate(order)}


def script_colours(scripts: Iterable[str]) -> dict[str, str]:
    unknown = sorted(set(scripts) - set(SCRIPT_COLOUR))
    return {**SCRIPT_COLOUR, **{s: SPARE_COLOURS[i % len(SPARE_COLOURS)] for i, s in enumerate(unknown)}}


def ordered_views(table: pd.DataFrame, info: dict[str, ViewInfo]) -> list[str]:
    """The table's views (not its averages) in config order, a transliterated view beside its language."""
    views = set(table.loc[~is_average(table["view"]), "view"])
    for view in views:
        lookup(info, view, table)
    return [v for v in info if v in views]


def _require(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if name not in tables:
        raise NothingToDraw(f"{name}.csv is absent from the tables: nothing to draw from it")
    if tables[name].empty:
        raise NothingToDraw(f"{tables[name].attrs['path']} has no rows")
    return tables[name]


def _panel(ax: Axes, series: dict[str, int], **extra: Any) -> dict[str, Any]:
    """What a panel shows, read back from the axes where matplotlib holds it."""
    return {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "series": series, **extra}


def _seed_range(counts: pd.Series) -> str:
    low, high = int(counts.min()), int(counts.max())
    return f"{low}" if low == high else f"{low}–{high}"


def plot_scores(tables: dict[str, pd.DataFrame], config: dict[str, Any], task: str) -> tuple[Figure, dict[str, Any]]:
    """Each view's test score per variant (mean ± std over seed sets), the paper's as a hollow diamond,
    the view's trivial baseline as a dotted line across its group.

    The averages sit in one group at the right; an average over fewer than the paper's eight
    languages is drawn hollow, as it is not comparable with the paper's.
    """
    table = _require(tables, task)
    info = view_info(config)
    views = ordered_views(table, info)
    averages = is_average(table["view"])
    groups = views + ["avg"] * bool(averages.any())
    position = {view: i for i, view in enumerate(views)} | dict.fromkeys(table.loc[averages, "view"], len(views))
    variants = variant_order(config, table["variant"])
    colours = variant_colours(config, variants)
    width = 0.8 / len(variants)
    fig = Figure(figsize=(max(7.0, 1.05 * len(groups) + 2.6), 5.0), layout="constrained")
    ax = fig.add_subplot()
    series, values, published = {}, {}, {}
    for j, variant in enumerate(variants):
        rows = table[table["variant"] == variant]
        x = rows["view"].map(position) + (j - (len(variants) - 1) / 2) * width
        ax.errorbar(x, rows["mean"], yerr=rows["std"].fillna(0.0), fmt="none", elinewidth=1.2, capsize=2,
                    ecolor=colours[variant], zorder=3)
        partial_average = rows["view"].str.startswith("avg(")
        ax.scatter(x, rows["mean"], s=30, zorder=4, edgecolors=colours[variant], linewidths=1.3,
                   facecolors=[colours[variant] if not p else "white" for p in partial_average])
        paper = rows["published_mean"].notna()
        ax.plot(x[paper], rows.loc[paper, "published_mean"], zorder=5, **PAPER_HANDLE)
        series[variant] = len(rows)
        values[variant] = dict(zip(rows["view"], rows["mean"], strict=True))
        published[variant] = int(paper.sum())
    baselines = table.dropna(subset=["baseline"]).drop_duplicates("view").set_index("view")["baseline"]
    baselines = baselines[baselines.index.isin(views)]
    ax.hlines(baselines, baselines.index.map(position) - 0.45, baselines.index.map(position) + 0.45,
              zorder=2, **BASELINE_STYLE)
    for i in range(len(groups) - 1):
        ax.axvline(i + 0.5, color="0.88", lw=0.8, zorder=0)
    if averages.any():
        ax.axvline(len(views) - 0.5, color="0.35", lw=1.0, ls="--", zorder=1)
    partial = sorted(set(table.loc[averages, "view"]) - {"avg"})
    average_label = "avg\n8 languages" if not partial else "avg; hollow = partial\n" + ", ".join(
        p.removeprefix("avg") for p in partial)
    labels = [f"{v}\n{info[v].name}" for v in views] + [average_label] * bool(averages.any())
    ax.set_xticks(range(len(groups)), labels, fontsize=8)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_xlabel("view (language; a transliterated view beside its original); avg = mean over the paper's 8 languages")
    ax.set_ylabel(f"{TASK_METRIC[task]} on the test set (%)")
    ax.set_title(f"{TASK_TITLE[task]}: test {TASK_METRIC[task]} per view and variant "
                 f"(mean ± sample std over {_seed_range(table['n_seeds'])} seed sets)")
    ax.grid(axis="y", color="0.92", zorder=0)
    handles = [Line2D([], [], ls="none", marker="o", ms=6, color=colours[v], label=display(v)) for v in variants]
    handles.append(Line2D([], [], label="paper (PAPER §10)", **PAPER_HANDLE))
    handles.append(Line2D([], [], label="trivial baseline", **BASELINE_STYLE))
    ax.legend(handles=handles, title="variant", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    panel = _panel(ax, series, xticklabels=groups, values=values, published=published,
                   baselines={view: float(value) for view, value in baselines.items()})
    return fig, {"title": ax.get_title(), "panels": [panel]}


def unk_gain_points(tables: dict[str, pd.DataFrame], config: dict[str, Any], task: str,
                    comparison: Comparison) -> pd.DataFrame:
    """Per view: the words-with-UNK proportion under the base and the VA tokenizer (task data, train
    split), its reduction, and the task gain of ``comparison``; only views that have all of them."""
    tokenization = tables["tokenization"]
    tokenizers = [comparison.base, comparison.minuend]
    rows = tokenization[(tokenization["dataset"] == TASK_DATA[task]) & (tokenization["split"] == "train")
                        & tokenization["tokenizer"].isin(tokenizers)]
    twice = rows[rows.duplicated(["view", "tokenizer"])]
    if not twice.empty:
        first = twice.iloc[0]
        raise InputError(tokenization.attrs["path"], int(twice.index[0]) + 2,
                         f"second row for view {first['view']}, tokenizer {first['tokenizer']}, {TASK_DATA[task]} train")
    wunk = rows.pivot(index="view", columns="tokenizer", values="wunk_prop").reindex(columns=tokenizers)
    means = cell_means(tables[task]).reindex(columns=[comparison.minuend, comparison.subtrahend])
    points = pd.DataFrame({
        "before": wunk[comparison.base], "after": wunk[comparison.minuend],
        "gain": (means[comparison.minuend] - means[comparison.subtrahend]).round(2),
    }).dropna()
    points["reduction"] = points["before"] - points["after"]
    info = view_info(config)
    order = [v for v in info if v in points.index]
    for view in points.index:
        lookup(info, view, tables[task])
    points = points.loc[order]
    points["script"] = [info[v].script for v in points.index]
    points["type"] = [info[v].type for v in points.index]
    points["transliterated"] = [info[v].parent is not None for v in points.index]
    return points


def unk_gain_correlation(points: pd.DataFrame) -> dict[str, float | int | None]:
    """Spearman's rho over the original-script views, the paper's eight languages (PAPER §9).

    ``None`` where rho is undefined: the figure's description is JSON, which has no NaN.
    """
    originals = points[~points["transliterated"]]
    rho, p, n = spearman(originals["reduction"], originals["gain"])
    return {"rho": None, "p": None, "n": n} if math.isnan(rho) else {"rho": rho, "p": p, "n": n}


def _format_rho(result: dict[str, float | int | None]) -> str:
    if result["rho"] is None:
        return f"ρ undefined (n = {result['n']})"
    return f"ρ = {result['rho']:.2f} (p = {result['p']:.3f}, n = {result['n']})"


def plot_unk_gain(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> tuple[Figure, dict[str, Any]]:
    """The paper's figure: the VA-over-LAPT gain against the words-with-UNK reduction, one panel per task."""
    _require(tables, "tokenization")
    steps = [c for c in comparisons(config) if c.kind == "va"]
    candidates = {(task, step): unk_gain_points(tables, config, task, step)
                  for task in config["study"]["tasks"] if task in tables for step in steps}
    panels = {key: points for key, points in candidates.items() if not points.empty}
    if not panels:
        raise NothingToDraw("no view has both task scores for a VA variant and its LAPT variant and the "
                            "words-with-UNK proportions of both tokenizers")
    scripts = sorted({s for points in panels.values() for s in points["script"]})
    colours = script_colours(scripts)
    fig = Figure(figsize=(4.3 * len(panels) + 0.4, 5.6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    described = []
    for ax, ((task, step), points) in zip(axes, panels.items(), strict=True):
        positive = points["reduction"][points["reduction"] > 0]
        floor = positive.min() / 3 if not positive.empty else 1e-4
        clipped = points.index[points["reduction"] <= 0].tolist()
        x = points["reduction"].where(points["reduction"] > 0, floor)
        series: dict[str, int] = {}
        for (script, kind, translit), group in points.groupby(["script", "type", "transliterated"], sort=True):
            colour = colours[script]
            ax.scatter(x[group.index], group["gain"], s=46, marker=TYPE_MARKER.get(kind, "D"), zorder=3,
                       edgecolors=colour, facecolors="none" if translit else colour, linewidths=1.4)
            name = SCRIPT_NAME.get(script, script)
            series[name] = series.get(name, 0) + len(group)
        for view, row in points.iterrows():
            ax.annotate(view, (x[view], row["gain"]), xytext=(4, 3), textcoords="offset points", fontsize=7)
        if clipped:
            ax.axvline(floor, color="0.5", ls=":", lw=1)
            ax.annotate("no reduction (≤ 0)\ndrawn here", (floor, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", va="top", fontsize=7, color="0.35")
        ax.axhline(0, color="0.6", lw=0.8, zorder=1)
        ax.set_xscale("log")
        ax.margins(x=0.1, y=0.08)
        ax.set_xlabel(f"reduction in words-with-UNK proportion,\n{display(step.base)} → {display(step.minuend)} "
                      f"tokenizer ({TASK_DATA[task]} train split, log scale)")
        ax.set_ylabel(f"{step.label} {TASK_METRIC[task]} (percentage points)")
        result = unk_gain_correlation(points)
        paper = PAPER_SPEARMAN.get(task) if (step.minuend, step.subtrahend) == ("va", "lapt") else None
        paper_text = f"\npaper: ρ = {paper[0]:.2f} (p = {paper[1]:.3f}, n = 8)" if paper else ""
        ax.set_title(f"{TASK_TITLE[task]}: {_format_rho(result)}{paper_text}", fontsize=10)
        ax.grid(color="0.93", zorder=0)
        points_drawn = {v: [float(r["reduction"]), float(r["gain"])] for v, r in points.iterrows()}
        described.append(_panel(ax, series, points=points_drawn, clipped=clipped, spearman=result,
                                comparison=step.label))
    handles = [Line2D([], [], ls="none", marker="o", ms=7, color=colours[s], label=f"{SCRIPT_NAME.get(s, s)} script")
               for s in scripts]
    kinds = sorted({k for points in panels.values() for k in points["type"]})
    handles += [Line2D([], [], ls="none", marker=TYPE_MARKER.get(k, "D"), ms=7, color="0.3",
                       label=TYPE_LABEL.get(k, f"Type {k}")) for k in kinds]
    handles.append(Line2D([], [], ls="none", marker="o", ms=7, mfc="none", mec="0.3",
                          label="hollow: transliterated view (not in ρ, as in the paper)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
    title = "Gain of VA over LAPT against the drop in words-with-UNK rate from the base to the VA tokenizer"
    fig.suptitle(title, fontsize=11)
    return fig, {"title": title, "panels": described}


def plot_translit(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> tuple[Figure, dict[str, Any]]:
    """Original script against its transliterated view, per task and variant (PAPER §10.4)."""
    info = view_info(config)
    pairs = [(info[view].parent, view) for view in info if info[view].parent]
    panels = []
    for task in config["study"]["tasks"]:
        if task not in tables:
            continue
        table = tables[task]
        present = set(table["view"])
        panels += [(task, parent, view) for parent, view in pairs if parent in present and view in present]
    if not panels:
        raise NothingToDraw("no task table holds both a language and its transliterated view")
    ncols = min(len(panels), 2)
    nrows = -(-len(panels) // ncols)
    fig = Figure(figsize=(6.2 * ncols + 1.6, 3.9 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    view_colours = {"original": "tab:orange", "transliterated": "tab:blue"}
    described = []
    for ax, (task, parent, view) in zip(axes, panels, strict=False):
        table = tables[task]
        variants = variant_order(config, table.loc[table["view"].isin([parent, view]), "variant"])
        position = {v: i for i, v in enumerate(variants)}
        series, values = {}, {}
        for offset, (shown, role) in zip((-0.17, 0.17), ((parent, "original"), (view, "transliterated")), strict=True):
            rows = table[(table["view"] == shown) & table["variant"].isin(variants)]
            x = rows["variant"].map(position) + offset
            ax.errorbar(x, rows["mean"], yerr=rows["std"].fillna(0.0), fmt="o", ms=6, capsize=2.5, elinewidth=1.2,
                        color=view_colours[role], zorder=3)
            paper = rows["published_mean"].notna()
            ax.plot(x[paper], rows.loc[paper, "published_mean"], zorder=5, **PAPER_HANDLE)
            series[shown] = len(rows)
            values[shown] = dict(zip(rows["variant"], rows["mean"], strict=True))
        ax.set_xticks(range(len(variants)), [display(v) for v in variants])
        ax.set_xlim(-0.6, len(variants) - 0.4)
        ax.set_xlabel("variant")
        ax.set_ylabel(f"{TASK_METRIC[task]} (%)")
        ax.set_title(f"{info[parent].name} {TASK_TITLE[task]}: {parent} vs {view}", fontsize=10)
        ax.grid(axis="y", color="0.92", zorder=0)
        described.append(_panel(ax, series, values=values, task=task))
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles = [Line2D([], [], ls="none", marker="o", ms=7, color=view_colours["original"], label="original script"),
               Line2D([], [], ls="none", marker="o", ms=7, color=view_colours["transliterated"],
                      label="transliterated (Latin)"),
               Line2D([], [], label="paper (PAPER §10.4)", **PAPER_HANDLE)]
    fig.legend(handles=handles, loc="outside right center", fontsize=8)
    title = "Original script against transliteration: test score per variant (mean ± std over seed sets)"
    fig.suptitle(title, fontsize=11)
    return fig, {"title": title, "panels": described}


def _setting_labels(transfer: pd.DataFrame) -> pd.Series:
    """A setting per row, with its shot count where the setting was run with several."""
    several = transfer.groupby("setting")["shots"].transform("nunique") > 1
    return transfer["setting"].where(~several, transfer["setting"] + " (" + transfer["shots"].astype(str) + " shots)")


def plot_transfer(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> tuple[Figure, dict[str, Any]]:
    """Cross-lingual NER transfer F1 against the typological distance of source and target, one panel per kind.

    Colour is the variant, marker shape the setting (and shot count); a hollow marker is a target
    written in another script than its source.
    """
    transfer = _require(tables, "ner_transfer")
    distances = _require(tables, "distances")
    transfer = transfer[transfer["source"] != transfer["target"]]  # in-language rows have no distance
    joined = transfer.merge(distances, on=["source", "target"], how="left")
    joined["setting_label"] = _setting_labels(joined)
    joined["series"] = joined["variant"] + ", " + joined["setting_label"]
    colours = variant_colours(config, joined["variant"])
    settings = list(dict.fromkeys(joined["setting_label"]))
    markers = {s: SETTING_MARKERS[i % len(SETTING_MARKERS)] for i, s in enumerate(settings)}
    same_script = joined["script_match"].astype(str).str.lower().isin(["true", "1", "1.0"])
    ncols = 3
    nrows = -(-(len(DISTANCE_KINDS) + 1) // ncols)  # one slot more, for the legend
    fig = Figure(figsize=(4.5 * ncols, 4.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    described = []
    for ax, kind in zip(axes, DISTANCE_KINDS, strict=False):
        known = joined[joined[kind].notna()]
        series: dict[str, int] = {}
        for name, group in known.groupby("series", sort=False):
            first = group.iloc[0]
            colour = colours[first["variant"]]
            ax.errorbar(group[kind], group["mean"], yerr=group["std"].fillna(0.0), fmt="none", ecolor=colour,
                        elinewidth=0.9, alpha=0.6, zorder=2)
            ax.scatter(group[kind], group["mean"], marker=markers[first["setting_label"]], s=36, linewidths=1.3,
                       zorder=3, edgecolors=colour,
                       facecolors=[colour if m else "none" for m in same_script[group.index]])
            series[name] = len(group)
        ax.set_xlabel(f"{kind} distance, source to target (lang2vec, 0–1)")
        ax.set_ylabel("NER span F1 on the target test set (%)")
        ax.set_title(f"{kind.capitalize()} distance ({len(known)} points, {len(joined) - len(known)} without a distance)",
                     fontsize=10)
        ax.grid(color="0.93", zorder=0)
        described.append(_panel(ax, series, distance=kind, without_distance=int(len(joined) - len(known))))
    for ax in axes[len(DISTANCE_KINDS):]:
        ax.axis("off")
    handles = [Line2D([], [], ls="none", marker="o", ms=7, color=colours[v], label=display(v))
               for v in variant_order(config, joined["variant"])]
    handles += [Line2D([], [], ls="none", marker=markers[s], ms=7, color="0.3", label=s) for s in settings]
    handles += [Line2D([], [], ls="none", marker="o", ms=7, color="0.3", label="filled: same script as source"),
                Line2D([], [], ls="none", marker="o", ms=7, mfc="none", mec="0.3", label="hollow: different script")]
    axes[len(DISTANCE_KINDS)].legend(handles=handles, loc="center", fontsize=9, title="colour: variant; shape: setting")
    title = "Cross-lingual NER transfer: target F1 (mean ± std over seed sets) against typological distance"
    fig.suptitle(title, fontsize=11)
    return fig, {"title": title, "panels": described}


def plot_transfer_settings(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> tuple[Figure, dict[str, Any]]:
    """The study's question at a glance: per source -> target, each variant's F1 in-language,
    zero-shot and few-shot, bars at the mean over seeds with the sample std as error bars, and
    each setting's trivial baseline (its gazetteer) as a dotted line across its group."""
    transfer = keyed(_require(tables, "ner_transfer"))
    found = transfer_pairs(transfer)
    fig = Figure(figsize=(max(6.0, 1.6 * transfer["key"].nunique() + 3.0), 3.6 * len(found)), layout="constrained")
    axes = fig.subplots(len(found), 1, squeeze=False).ravel()
    colours = variant_colours(config, transfer["variant"])
    described = []
    for ax, (source, target, pair) in zip(axes, found, strict=True):
        keys = sorted(set(pair["key"]))
        variants = variant_order(config, pair["variant"])
        width = 0.8 / len(variants)
        series: dict[str, int] = {}
        for i, variant in enumerate(variants):
            rows = pair[pair["variant"] == variant].set_index("key").reindex(keys)
            positions = np.arange(len(keys)) + (i - (len(variants) - 1) / 2) * width
            ax.bar(positions, rows["mean"], width, yerr=rows["std"].fillna(0.0), capsize=3,
                   color=colours[variant], label=display(variant), zorder=2)
            series[variant] = int(rows["mean"].notna().sum())
        baselines = pair.drop_duplicates("key").set_index("key")["baseline"].reindex(keys)
        ax.hlines(baselines, np.arange(len(keys)) - 0.45, np.arange(len(keys)) + 0.45, zorder=3, **BASELINE_STYLE)
        ax.set_xticks(np.arange(len(keys)), [setting_label(k) for k in keys])
        ax.set_ylabel(f"NER span F1 on {target} test (%)")
        ax.set_title(f"{source} -> {target}: in-language, zero-shot and few-shot (mean ± std over seeds)", fontsize=10)
        ax.grid(axis="y", color="0.93", zorder=0)
        handles = ax.get_legend_handles_labels()[0]
        ax.legend(handles=[*handles, Line2D([], [], label="trivial baseline", **BASELINE_STYLE)], fontsize=8)
        described.append(_panel(ax, series, source=source, target=target,
                                baselines={setting_label(k): float(v) for k, v in baselines.items()}))
    title = "Cross-lingual NER: each variant in-language, zero-shot and few-shot"
    fig.suptitle(title, fontsize=11)
    return fig, {"title": title, "panels": described}


def plot_learning_curves(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> tuple[Figure, dict[str, Any]]:
    """Every run's dev score per epoch, one panel per task and view, one colour per variant.

    Seed sets share their variant's colour (the first solid, the others dashed); a dot marks each
    run's best epoch, hollow when it was the run's last epoch: a run still improving when it stopped.
    """
    curves = _require(tables, "learning_curves")
    info = view_info(config)
    tasks = [t for t in config["study"]["tasks"] if t in set(curves["task"])]
    views = [v for v in info if v in set(curves["view"])]
    for view in set(curves["view"]) - set(views):
        lookup(info, view, curves)
    variants = variant_order(config, curves["variant"])
    colours = variant_colours(config, variants)
    fig = Figure(figsize=(3.2 * len(views) + 1.6, 2.7 * len(tasks) + 0.6), layout="constrained")
    axes = fig.subplots(len(tasks), len(views), squeeze=False)
    described = []
    for row, task in enumerate(tasks):
        for col, view in enumerate(views):
            ax = axes[row][col]
            runs = curves[(curves["task"] == task) & (curves["view"] == view)]
            series: dict[str, int] = {}
            still: list[str] = []
            for (variant, seed), run in runs.groupby(["variant", "seed"], sort=True):
                run = run.sort_values("epoch")
                first_seed = seed == runs.loc[runs["variant"] == variant, "seed"].min()
                ax.plot(run["epoch"], run["dev"], color=colours[variant], lw=1.1, ls="-" if first_seed else "--")
                best = run[run["epoch"] == run["best_epoch"]]
                improving = bool(run["still_improving"].iloc[0])
                ax.scatter(best["epoch"], best["dev"], s=22, zorder=3, edgecolors=colours[variant], linewidths=1.1,
                           facecolors="white" if improving else colours[variant])
                series[f"{variant}/seed{seed}"] = len(run)
                if improving:
                    still.append(f"{variant}/seed{seed}")
            if runs.empty:
                ax.set_axis_off()
                continue
            ax.set_title(f"{TASK_TITLE[task]}, {view}", fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(f"dev {TASK_METRIC[task]} (%)", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(color="0.93")
            described.append(_panel(ax, series, task=task, view=view, still_improving=still))
    handles = [Line2D([], [], color=colours[v], label=display(v)) for v in variants]
    handles += [Line2D([], [], color="0.3", ls="--", label="later seed sets"),
                Line2D([], [], ls="none", marker="o", color="0.3", label="best epoch"),
                Line2D([], [], ls="none", marker="o", mfc="white", mec="0.3", label="best = last epoch")]
    fig.legend(handles=handles, loc="outside right center", fontsize=8)
    fig.suptitle("Learning curves: dev score per epoch of every fine-tuning run")
    return fig, {"title": "learning curves", "panels": described}


def plot_functions(config: dict[str, Any]) -> dict[str, Callable[..., tuple[Figure, dict[str, Any]]]]:
    """Every figure of a study by file stem: one score plot per task, then the cross-task figures."""
    return {
        **{f"scores_{task}": partial(plot_scores, task=task) for task in config["study"]["tasks"]},
        "unk_gain": plot_unk_gain,
        "translit": plot_translit,
        "transfer_distance": plot_transfer,
        "transfer_settings": plot_transfer_settings,
        "learning_curves": plot_learning_curves,
    }


def save(fig: Figure, path: str | Path) -> None:
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=DPI, bbox_inches="tight")  # nothing clipped at the edges


def draw_all(tables_dir: str | Path, config: dict[str, Any], out_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Draw every figure the tables allow into ``out_dir/<name>.png`` and describe them in ``plots.json``.

    A figure whose tables are absent (a partial run, a study without transfer) is skipped, not an
    error; its entry says why, and the reason is logged.
    """
    tables = read_tables(tables_dir)
    out_dir = Path(out_dir)
    descriptions: dict[str, dict[str, Any]] = {}
    for name, draw in plot_functions(config).items():
        try:
            fig, description = draw(tables, config)
        except NothingToDraw as skipped:
            log.warning("plot %s skipped: %s", name, skipped)
            descriptions[name] = {"skipped": str(skipped)}
            continue
        save(fig, out_dir / f"{name}.png")
        descriptions[name] = {"file": f"{name}.png", **description}
    write_json(out_dir / "plots.json", descriptions)
    return descriptions
