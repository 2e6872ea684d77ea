"""``results/README.md``: what a run found, in numbers, beside the paper's findings.

Every number is computed from the tables (``results/tables/*.csv``): this run's from the ``mean``
columns, the paper's from the ``published_mean`` columns over the same views, and the paper's
8-language averages from :mod:`specmlm.published` (the values of PAPER §10.5). Averages follow
the paper's Avg column: the mean over the task's eight languages, rounded to two decimals, so a
gain is the difference of two such averages (PAPER §10.5's +1.12 is 92.28 − 91.16).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from specmlm.atomic import write_text
from specmlm.config import TASK_DATA
from specmlm.plots import (
    PAPER_SPEARMAN,
    TASK_METRIC,
    TASK_TITLE,
    Comparison,
    cell_means,
    comparisons,
    display,
    is_average,
    ordered_views,
    read_tables,
    unk_gain_correlation,
    unk_gain_points,
    view_info,
)
from specmlm.published import LANGS, published
from specmlm.transfer_findings import render_transfer

# PAPER §12, in words; the numbers beside them are computed.
FINDINGS = {
    "average": "LAPT beats mBERT on average in every task, and VA adds to LAPT on average (§12 findings 1–2).",
    "views": "LAPT gains most for languages unseen by mBERT; VA adds to LAPT mainly where mBERT produces many UNKs "
             "(Uyghur, Meadow Mari), and for Type 0/1 languages VA and LAPT are within seed noise (§12 findings 1–3).",
    "unk": "VA's gain over LAPT tracks the drop in words-with-UNK rate: strongly for UD, weakly for POS and NER "
           "(§9, §12 finding 4).",
    "latin": "Transliteration rescues mBERT and LAPT on Uyghur, but it does not stack with VA, which gains little "
             "from Latin script or loses (§12 findings 5–6).",
    "best": "No single winner: VA has the best averages, but the best choice depends on language type and script "
            "(§12 finding 8).",
}


# The paper's main findings that a study on unseen languages can check, each row computed from the tables.
MAIN_FINDINGS = {
    "translit": "Transliteration into Latin script rescues mBERT on Uyghur (§12 finding 5)",
    "unk": "VA lowers the UNK rate of an unseen, non-Latin-script language (§9)",
    "va_gain": "VA gains over LAPT and over mBERT there (§12 findings 2–3)",
    "lapt_unseen": "LAPT gains over mBERT on languages mBERT never saw (§12 finding 1)",
    "va_latin": "VA gains little over LAPT on unseen Latin-script languages (§12 finding 3)",
}


def paper_average(values: Iterable[float]) -> float:
    """The paper's Avg column: the mean, rounded to two decimals as printed (PAPER §8)."""
    return round(float(np.mean(list(values))), 2)


def _gain(a: float | None, b: float | None) -> float | None:
    """``a − b`` to two decimals; ``+ 0.0`` turns a negative zero into zero, so no ``-0.00`` is printed."""
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return None
    return round(float(a) - float(b), 2) + 0.0


def _opposite(here: float | None, paper: float | None) -> bool:
    return here is not None and paper is not None and here * paper < 0


def _per_view(table: pd.DataFrame, column: str) -> pd.DataFrame:
    return table[~is_average(table["view"])].pivot(index="view", columns="variant", values=column)


def _noise(stds: pd.DataFrame, *cells: tuple[str, str]) -> float | None:
    """The larger seed std of the cells a gain is taken between, ``None`` where one is unknown."""
    values = [_cell(stds, view, variant) for view, variant in cells]
    return None if None in values else max(values)


def _cell(frame: pd.DataFrame, view: str, variant: str) -> float | None:
    if view not in frame.index or variant not in frame.columns or pd.isna(frame.at[view, variant]):
        return None
    return float(frame.at[view, variant])


def best_variants(table: pd.DataFrame, views: list[str]) -> list[dict[str, Any]]:
    """Per view (and the complete average): the top mean here and the paper's top among the same variants."""
    rows = []
    for view in [*views, *(["avg"] if (table["view"] == "avg").any() else [])]:
        group = table[table["view"] == view]
        top = group["mean"].max()
        paper = group.dropna(subset=["published_mean"])
        paper_top = paper["published_mean"].max() if not paper.empty else None
        rows.append({
            "view": view,
            "best": group.loc[group["mean"] == top, "variant"].tolist(),
            "mean": float(top),
            "not_worse": group.loc[group["marker"] == "*", "variant"].tolist(),
            "paper_best": paper.loc[paper["published_mean"] == paper_top, "variant"].tolist(),
            "paper_mean": None if paper_top is None else float(paper_top),
        })
    return rows


def average_gain(table: pd.DataFrame, task: str, step: Comparison) -> dict[str, Any]:
    """A step's gain on the paper's languages where both variants ran, here and in the paper."""
    means, papers = cell_means(table), _per_view(table, "published_mean")
    views = [v for v in LANGS[task] if _cell(means, v, step.minuend) is not None
             and _cell(means, v, step.subtrahend) is not None]
    same = [(_cell(papers, v, step.minuend), _cell(papers, v, step.subtrahend)) for v in views]
    full = [(published(task, v, step.minuend)[0], published(task, v, step.subtrahend)[0]) for v in LANGS[task]]
    return {
        "comparison": step.label, "minuend": step.minuend, "subtrahend": step.subtrahend, "views": views,
        "here": _gain(paper_average(means.loc[views, step.minuend]), paper_average(means.loc[views, step.subtrahend]))
        if views else None,
        "paper_same_views": _gain(paper_average(a for a, _ in same), paper_average(b for _, b in same))
        if views and all(a is not None and b is not None for a, b in same) else None,
        "paper_8": _gain(paper_average(a for a, _ in full), paper_average(b for _, b in full))
        if all(a is not None and b is not None for a, b in full) else None,
    }


def view_gains(table: pd.DataFrame, views: list[str], steps: list[Comparison]) -> list[dict[str, Any]]:
    means, papers, stds = cell_means(table), _per_view(table, "published_mean"), _per_view(table, "std")
    return [{"view": view, "comparison": step.label,
             "here": _gain(_cell(means, view, step.minuend), _cell(means, view, step.subtrahend)),
             "paper": _gain(_cell(papers, view, step.minuend), _cell(papers, view, step.subtrahend)),
             "noise": _noise(stds, (view, step.minuend), (view, step.subtrahend))}
            for view in views for step in steps]


def latin_gains(table: pd.DataFrame, config: dict[str, Any], variants: list[str]) -> list[dict[str, Any]]:
    """Transliterated view − its original, per variant run on both (PAPER §10.5)."""
    info = view_info(config)
    means, papers, stds = cell_means(table), _per_view(table, "published_mean"), _per_view(table, "std")
    rows = []
    for view in (v for v in info if v in means.index):
        parent = info[view].parent
        if parent is None or parent not in means.index:
            continue
        for variant in variants:
            here = _gain(_cell(means, view, variant), _cell(means, parent, variant))
            if here is not None:
                rows.append({"view": view, "parent": parent, "variant": variant, "here": here,
                             "paper": _gain(_cell(papers, view, variant), _cell(papers, parent, variant)),
                             "noise": _noise(stds, (view, variant), (parent, variant))})
    return rows


def unk_correlations(tables: dict[str, pd.DataFrame], config: dict[str, Any], task: str) -> list[dict[str, Any]]:
    if "tokenization" not in tables:
        return []
    rows = []
    for step in (c for c in comparisons(config) if c.kind == "va"):
        points = unk_gain_points(tables, config, task, step)
        paper = PAPER_SPEARMAN.get(task) if (step.minuend, step.subtrahend) == ("va", "lapt") else None
        rows.append({"comparison": step.label, **unk_gain_correlation(points),
                     "paper_rho": paper[0] if paper else None, "paper_p": paper[1] if paper else None})
    return rows


def reproduction_gap(table: pd.DataFrame, variants: list[str]) -> list[dict[str, Any]]:
    """Per variant: the mean of (this run − paper) over the views the paper has a number for."""
    rows = table[~is_average(table["view"]) & table["diff"].notna()]
    return [{"variant": v, "mean_diff": round(float(rows.loc[rows["variant"] == v, "diff"].mean()), 2) + 0.0,
             "views": int((rows["variant"] == v).sum())} for v in variants if (rows["variant"] == v).any()]


def missing_cells(tables: dict[str, pd.DataFrame], expected_runs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Cells (task × view × variant) with fewer seed sets in the tables than the expected runs
    (each a run's identity: task, view, variant, seed)."""
    expected = Counter((run["task"], run["view"], run["variant"]) for run in expected_runs)
    present = {}
    for task in {task for task, _, _ in expected}:
        if task in tables:
            rows = tables[task][~is_average(tables[task]["view"])]
            present |= {(task, r.view, r.variant): int(r.n_seeds) for r in rows.itertuples()}
    return [{"task": t, "view": v, "variant": x, "present": present.get((t, v, x), 0), "expected": n}
            for (t, v, x), n in expected.items() if present.get((t, v, x), 0) < n]


def corpus_sizes(reports: Mapping[str, str | Path]) -> list[dict[str, Any]]:
    """Per language: the prepared corpus's split sizes and its check against PAPER §4.6."""
    rows = []
    for language, path in reports.items():
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        rows.append({"language": language, **{split: report[split] for split in ("train", "valid", "test")},
                     "check": report["size_check"]})
    return rows


def _verdict(gain: float, noise: float | None, expect_gain: bool) -> str:
    """``yes`` when the run shows the finding beyond seed noise (the larger seed std of the two cells,
    or zero with one seed), ``within seed noise`` when a gain the finding expects is not larger than
    that noise, ``no`` otherwise. ``expect_gain`` False: the finding is that a gain stays small."""
    bound = noise or 0.0
    if not expect_gain:
        return "yes" if gain <= bound else "no"
    return "yes" if gain > bound else "within seed noise" if gain >= -bound else "no"


def _gain_finding(table: pd.DataFrame, key: str, task: str, pairs: list[tuple[tuple[str, str], tuple[str, str]]],
                  expect_gain: bool = True) -> dict[str, Any] | None:
    """One row: the gains ``a − b`` of each pair of (view, variant) cells, all of which must hold."""
    means, stds, papers = cell_means(table), _per_view(table, "std"), _per_view(table, "published_mean")
    here, spread, paper, verdicts = [], [], [], []
    for a, b in pairs:
        gain = _gain(_cell(means, *a), _cell(means, *b))
        if gain is None:
            return None
        noise = _noise(stds, a, b)
        label = f"{display(a[1])} {a[0]} − {display(b[1])} {b[0]}" if a[0] != b[0] else \
            f"{display(a[1])} − {display(b[1])}"
        here.append(f"{label}: {_signed(gain)} ({_plain(_cell(means, *a))} vs {_plain(_cell(means, *b))})")
        spread.append(f"± {_plain(_cell(stds, *a))} / ± {_plain(_cell(stds, *b))}")
        paper.append(_signed(_gain(_cell(papers, *a), _cell(papers, *b))))
        verdicts.append(_verdict(gain, noise, expect_gain))
    verdict = next((v for v in ("no", "within seed noise") if v in verdicts), "yes")
    view = pairs[0][0][0] if pairs[0][0][0] == pairs[0][1][0] else f"{pairs[0][0][0]} vs {pairs[0][1][0]}"
    return {"finding": key, "task": task, "view": view, "here": "; ".join(here), "spread": "; ".join(spread),
            "paper": "; ".join(paper), "holds": verdict}


def _unk_finding(tables: dict[str, pd.DataFrame], task: str, view: str, base: str, va: str) -> dict[str, Any] | None:
    if "tokenization" not in tables:
        return None
    tokenization = tables["tokenization"]
    rows = tokenization[(tokenization["view"] == view) & (tokenization["dataset"] == TASK_DATA[task])
                        & (tokenization["split"] == "train")].set_index("tokenizer")
    if base not in rows.index or va not in rows.index:
        return None
    before, after = float(rows.at[base, "unk_prop"]), float(rows.at[va, "unk_prop"])
    return {"finding": "unk", "task": TASK_DATA[task], "view": view,
            "here": f"UNK proportion {display(base)} {before:.4f} → {display(va)} {after:.4f}",
            "spread": "none (a tokenizer has no seed)", "paper": "–", "holds": "yes" if after < before else "no"}


def main_findings(tables: dict[str, pd.DataFrame], config: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the findings table, in :data:`MAIN_FINDINGS` order; a row needs all its cells."""
    steps = comparisons(config)
    lapt = next((c for c in steps if c.kind == "lapt"), None)
    va = next((c for c in steps if c.kind == "va" and lapt is not None and c.subtrahend == lapt.minuend), None)
    if lapt is None:
        return []
    base = lapt.subtrahend
    info = view_info(config)
    languages = config["languages"]
    unseen = [v for v, i in info.items() if i.parent is None and not languages[v].get("in_mbert", True)]
    latin = [v for v in unseen if info[v].script == "Latn"]
    rows: dict[str, list[dict[str, Any] | None]] = {key: [] for key in MAIN_FINDINGS}
    datasets_done: set[tuple[str, str]] = set()
    for task in (t for t in config["study"]["tasks"] if t in tables and not tables[t].empty):
        table = tables[task]
        for view, entry in info.items():
            if entry.parent is not None and entry.parent in unseen and entry.script == "Latn":
                rows["translit"].append(_gain_finding(table, "translit", task, [((view, base), (entry.parent, base))]))
        for view in unseen:
            if va is not None and view not in latin:
                if (view, TASK_DATA[task]) not in datasets_done:
                    datasets_done.add((view, TASK_DATA[task]))
                    rows["unk"].append(_unk_finding(tables, task, view, va.base, va.minuend))
                rows["va_gain"].append(_gain_finding(table, "va_gain", task, [((view, va.minuend), (view, va.subtrahend)),
                                                                               ((view, va.minuend), (view, base))]))
            rows["lapt_unseen"].append(_gain_finding(table, "lapt_unseen", task, [((view, lapt.minuend), (view, base))]))
            if va is not None and view in latin:
                rows["va_latin"].append(_gain_finding(table, "va_latin", task, [((view, va.minuend), (view, va.subtrahend))],
                                                      expect_gain=False))
    return [row for key in MAIN_FINDINGS for row in rows[key] if row is not None]


def summarize(tables: dict[str, pd.DataFrame], config: dict[str, Any],
              expected_runs: Iterable[Mapping[str, Any]] | None,
              corpus_reports: Mapping[str, str | Path] | None = None) -> dict[str, Any]:
    """Every number of the summary, by task, computed from ``tables`` (and the corpus reports)."""
    info = view_info(config)
    steps = comparisons(config)
    runs = None if expected_runs is None else list(expected_runs)
    tasks = {}
    for task in (t for t in config["study"]["tasks"] if t in tables and not tables[t].empty):
        table = tables[task]
        views = ordered_views(table, info)
        variants = [v for v in config["study"]["variants"] if v in set(table["variant"])]
        present_steps = [s for s in steps if {s.minuend, s.subtrahend} <= set(variants)]
        tasks[task] = {
            "best": best_variants(table, views),
            "average_gains": [average_gain(table, task, s) for s in present_steps],
            "view_gains": view_gains(table, views, present_steps),
            "latin": latin_gains(table, config, variants),
            "unk": unk_correlations(tables, config, task) if present_steps else [],
            "gap": reproduction_gap(table, variants),
            "steps": [s.label for s in present_steps],
        }
    return {
        "study": config["study"].get("name", ""),
        "findings": main_findings(tables, config),
        "tasks": tasks,
        "absent": [t for t in config["study"]["tasks"] if t not in tasks],
        "missing": None if runs is None else missing_cells(tables, runs),
        "expected": None if runs is None else len(runs),
        "corpora": None if corpus_reports is None else corpus_sizes(corpus_reports),
        "transfer": render_transfer(tables["ner_transfer"]) if "ner_transfer" in tables else [],
    }


def disagreements(summary: dict[str, Any]) -> list[str]:
    """Plain sentences for each sign the run and the paper do not share, and each other winner."""
    lines = []
    for task, found in summary["tasks"].items():
        name = TASK_TITLE[task]
        for gain in found["average_gains"]:
            if _opposite(gain["here"], gain["paper_same_views"]):
                lines.append(f"{name}, average over {len(gain['views'])} languages: {gain['comparison']} is "
                             f"{_signed(gain['here'])} here but {_signed(gain['paper_same_views'])} in the paper "
                             "(opposite sign).")
        for gain in found["view_gains"]:
            if _opposite(gain["here"], gain["paper"]):
                lines.append(f"{name}, {gain['view']}: {gain['comparison']} is {_signed(gain['here'])} here but "
                             f"{_signed(gain['paper'])} in the paper (opposite sign{_noise_note(gain)}).")
        for gain in found["latin"]:
            if _opposite(gain["here"], gain["paper"]):
                lines.append(f"{name}, {display(gain['variant'])}: {gain['view']} − {gain['parent']} is "
                             f"{_signed(gain['here'])} here but {_signed(gain['paper'])} in the paper "
                             f"(opposite sign{_noise_note(gain)}).")
        for row in found["unk"]:
            if _opposite(row["rho"], row["paper_rho"]):
                lines.append(f"{name}: Spearman ρ of {row['comparison']} with the UNK reduction is "
                             f"{row['rho']:.2f} here but {row['paper_rho']:.2f} in the paper (opposite sign).")
        for row in found["best"]:
            if row["paper_best"] and not set(row["best"]) & set(row["paper_best"]):
                tied = [v for v in row["paper_best"] if v in row["not_worse"]]
                note = f"; {_names(tied)} is not significantly worse here" if tied else ""
                lines.append(f"{name}, {row['view']}: the best variant is {_names(row['best'])} here "
                             f"({row['mean']:.2f}) but {_names(row['paper_best'])} in the paper "
                             f"({row['paper_mean']:.2f}){note}.")
    return lines


def _noise_note(gain: dict[str, Any]) -> str:
    if gain["noise"] is None or abs(gain["here"]) > gain["noise"]:
        return ""
    return f"; within seed noise here, |gain| ≤ the larger seed std {gain['noise']:.2f}"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _plain(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _names(variants: list[str]) -> str:
    return " = ".join(display(v) for v in variants) if variants else "–"


def _sign(here: float | None, paper: float | None) -> str:
    if here is None or paper is None:
        return "–"
    return "OPPOSITE" if _opposite(here, paper) else "same"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["Nothing to compare yet.", ""]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _task_section(task: str, found: dict[str, Any]) -> list[str]:
    lines = [f"### {TASK_TITLE[task]} ({TASK_METRIC[task]}, %)", "", "#### Best variant per view", ""]
    lines += _table(
        ["view", "best here", "mean", "not significantly worse", "paper's best", "paper", "agrees"],
        [[r["view"], _names(r["best"]), _plain(r["mean"]), _names(r["not_worse"]), _names(r["paper_best"]),
          _plain(r["paper_mean"]), "–" if not r["paper_best"] else "yes" if set(r["best"]) & set(r["paper_best"]) else "NO"]
         for r in found["best"]])
    if found["steps"]:
        lines += ["#### Gains per view (percentage points)", ""]
        by_view: dict[str, list[str]] = {}
        for gain in found["view_gains"]:
            by_view.setdefault(gain["view"], []).extend([_signed(gain["here"]), _signed(gain["paper"])])
        header = ["view"] + [f"{label} {side}" for label in found["steps"] for side in ("here", "paper")]
        lines += _table(header, [[view, *cells] for view, cells in by_view.items()])
    if found["gap"]:
        lines += ["#### Distance from the paper", "",
                  "Mean of (this run − paper) over the views the paper reports, per variant.", ""]
        lines += _table(["variant", "mean (here − paper)", "views"],
                        [[display(r["variant"]), _signed(r["mean_diff"]), str(r["views"])] for r in found["gap"]])
    return lines


def render(summary: dict[str, Any], tables_dir: str | Path) -> str:
    """The summary as Markdown."""
    tasks = summary["tasks"]
    lines = [f"# Results of `{summary['study']}`: what this run found", "",
             f"Computed from the tables in `{tables_dir}`. Scores are test percentages (mean over seed sets); "
             "gains are differences of those means in percentage points. The paper's numbers beside them come "
             "from the same tables' `published_mean` column (PAPER §10) over the same views; averages are over "
             "the paper's eight languages per task, never the transliterated views.", ""]
    warnings = [row["check"]["warning"] for row in summary.get("corpora") or [] if "warning" in row["check"]]
    if warnings:
        lines += ["**Warnings**", "", *[f"- {warning}" for warning in warnings], ""]
    if summary["absent"]:
        lines += [f"No table yet for: {', '.join(summary['absent'])}.", ""]
    lines += summary["transfer"]
    lines += _findings_section(summary["findings"])
    lines += ["## Average gains", "", FINDINGS["average"], ""]
    lines += _table(
        ["gain", "task", "here", "languages", "paper, same languages", "paper, 8 languages", "sign"],
        [[g["comparison"], task, _signed(g["here"]), f"{len(g['views'])} of {len(LANGS[task])}",
          _signed(g["paper_same_views"]), _signed(g["paper_8"]), _sign(g["here"], g["paper_same_views"])]
         for task, found in tasks.items() for g in found["average_gains"]])
    latin = [(task, g) for task, found in tasks.items() for g in found["latin"]]
    if latin:
        lines += ["## Original script against Latin", "", FINDINGS["latin"], ""]
        lines += _table(["task", "view − original", "variant", "here", "paper", "sign"],
                        [[task, f"{g['view']} − {g['parent']}", display(g["variant"]), _signed(g["here"]),
                          _signed(g["paper"]), _sign(g["here"], g["paper"])] for task, g in latin])
    unk = [(task, r) for task, found in tasks.items() for r in found["unk"]]
    if unk:
        lines += ["## VA's gain and the UNK reduction", "", FINDINGS["unk"],
                  "Spearman's ρ over the original-script views between the gain and the drop in words-with-UNK "
                  "proportion from the base to the VA tokenizer (task data, train split).", ""]
        lines += _table(["task", "gain", "ρ here", "p here", "n", "paper ρ", "paper p", "sign"],
                        [[task, r["comparison"], _plain(r["rho"]), _plain(r["p"], 3), str(r["n"]),
                          _plain(r["paper_rho"]), _plain(r["paper_p"], 3), _sign(r["rho"], r["paper_rho"])]
                         for task, r in unk])
    if tasks:
        lines += ["## Per task", "", FINDINGS["best"], FINDINGS["views"], ""]
    for task, found in tasks.items():
        lines += _task_section(task, found)
    found_disagreements = disagreements(summary)
    lines += ["## Where this run disagrees with the paper", ""]
    lines += [f"- {line}" for line in found_disagreements] or ["No sign differences and no other best variant."]
    lines += ["", *_corpora(summary), *_coverage(summary)]
    return "\n".join(lines).rstrip("\n") + "\n"


CORPUS_STATUS = {"ok": "within the tolerance", "far_off": "**far off**", "no_hint": "no size in the paper",
                 "local": "local corpus, not compared"}


def _corpora(summary: dict[str, Any]) -> list[str]:
    if summary.get("corpora") is None:
        return []
    rows = summary["corpora"]
    tolerance = rows[0]["check"]["tolerance"] if rows else None
    lines = ["## Unlabelled corpora", "",
             f"Prepared split sizes (lines / whitespace tokens) against PAPER §4.6's sizes, which hold for the paper's "
             f"Wikipedia corpora; a split beyond a factor of {tolerance:g} either way is far off." if rows else
             "No unlabelled corpus in this study.", ""]
    cells = []
    for row in rows:
        paper = ", ".join(f"{c['split']} {c['paper']:,} {c['measure']} (x{c['ratio']:g} here)" for c in row["check"]["checks"])
        cells.append([row["language"], *(f"{row[s]['lines']:,} / {row[s]['tokens']:,}" for s in ("train", "valid", "test")),
                      paper or "–", CORPUS_STATUS[row["check"]["status"]]])
    return lines + (_table(["language", "train", "valid", "test", "paper", "check"], cells) if cells else [])


def _findings_section(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## The paper's main findings, here", "",
             "Each row is one task and view: the gain here (means over seed sets, the cells' means in brackets), "
             "each cell's sample std over seed sets, and the paper's gain. A finding holds (`yes`) when the gain "
             "is larger than the larger seed std of its two cells (for VA on Latin script: when it is not), "
             "`within seed noise` when a gain is there but no larger than that std, `no` otherwise.", ""]
    lines += _table(["finding", "task", "view", "here", "seed std", "paper", "holds"],
                    [[MAIN_FINDINGS[r["finding"]], r["task"], r["view"], r["here"], r["spread"], r["paper"], r["holds"]]
                     for r in rows])
    failing = [r for r in rows if r["holds"] != "yes"]
    if rows:
        lines += [f"Holds in {len(rows) - len(failing)} of {len(rows)} rows." + (
            " Does not hold: " + "; ".join(f"{r['task']} {r['view']} ({MAIN_FINDINGS[r['finding']].split(' (')[0]}: "
                                           f"{r['holds']})" for r in failing) + "." if failing else ""), ""]
    return lines


def _coverage(summary: dict[str, Any]) -> list[str]:
    lines = ["## Cells still missing", ""]
    if summary["missing"] is None:
        return [*lines, "Not checked: no list of expected runs was given."]
    if not summary["missing"]:
        return [*lines, f"None: all {summary['expected']} expected runs are in the tables."]
    lines += [f"{len(summary['missing'])} task × view × variant cells have fewer seed sets in the tables than the "
              f"{summary['expected']} expected runs ask for.", ""]
    grouped: dict[tuple[str, str], dict[str, list[str]]] = {}
    for cell in summary["missing"]:
        entry = grouped.setdefault((cell["task"], cell["variant"]), {"absent": [], "partial": []})
        if cell["present"]:
            entry["partial"].append(f"{cell['view']} ({cell['present']} of {cell['expected']})")
        else:
            entry["absent"].append(cell["view"])
    return lines + _table(["task", "variant", "no run yet", "incomplete (seed sets present)"],
                          [[task, display(variant), ", ".join(e["absent"]) or "–", ", ".join(e["partial"]) or "–"]
                           for (task, variant), e in grouped.items()])


def write_summary(tables_dir: str | Path, config: dict[str, Any], out_path: str | Path,
                  expected_runs: list[Mapping[str, Any]] | None = None,
                  corpus_reports: Mapping[str, str | Path] | None = None) -> dict[str, Any]:
    """Write ``out_path`` (``results/README.md``) from the tables and each language's corpus
    ``report.json`` (language -> path); return the numbers it states."""
    summary = summarize(read_tables(tables_dir), config, expected_runs, corpus_reports)
    write_text(out_path, render(summary, tables_dir))
    return summary
