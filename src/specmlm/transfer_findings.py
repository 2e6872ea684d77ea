"""The transfer study's answer in words, for ``results/README.md``.

The question the project asks is what specializing a multilingual encoder to a distant target
(LAPT, VA) does to cross-lingual NER. From the transfer table (``ner_transfer.csv``, F1 in
percent, mean and sample std over seeds) this module writes, per source -> target pair: the
grid of each variant in-language, zero-shot and few-shot, each cell with its margin over its
setting's trivial baseline (the gazetteer of ``baselines.transfer_score``), shown in a last row;
how much of its in-language F1 each variant reaches zero-shot; and whether each specialization
moves zero-shot and few-shot F1 beyond seed noise (the larger of the two sample stds), against
its own base model's variant.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


CAVEATS = ("One target language and a small scale (capped training sets, few epochs, two seeds): a gain "
           "inside the seed spread is no gain. The encoder is whatever the study's base model is (for "
           "the XLM-R demo multilingual-e5-small, 12 x 384, distilled from XLM-R, not XLM-R-base).")


IN_LANGUAGE = -1  # the order key of in-language rows, whose ``shots`` is empty


def setting_label(key: int) -> str:
    """A row's order key (``shots``, in-language -1) in words: in-language, zero-shot, few-shot (50)."""
    return "in-language" if key == IN_LANGUAGE else "zero-shot" if key == 0 else f"few-shot ({key})"


def keyed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with ``key``: the row's shots, -1 in-language (the column ``shots`` is empty there)."""
    return table.assign(key=[IN_LANGUAGE if pd.isna(s) else int(s) for s in table["shots"]])


def transfer_pairs(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(source, target, rows) per transfer pair, with the target's in-language rows (whose source is
    the target itself) beside the source's zero- and few-shot rows; every row has ``key``."""
    table = keyed(table)
    in_language = table["key"] == IN_LANGUAGE
    found = []
    for (source, target), rows in table[~in_language].groupby(["source", "target"], sort=False):
        found.append((source, target, pd.concat([table[in_language & (table["target"] == target)], rows])))
    return found


def _cell(row: pd.Series) -> str:
    std = "–" if pd.isna(row["std"]) else f"{row['std']:.2f}"
    return f"{row['mean']:.2f} ± {std} (n={int(row['n_seeds'])}) [{row['margin']:+.2f}]"


def _noise(*stds: float) -> float:
    present = [s for s in stds if not pd.isna(s)]
    return max(present) if present else math.nan


def pair_findings(pair: pd.DataFrame) -> dict[str, Any]:
    """The numbers stated for one source -> target pair (its rows from :func:`transfer_pairs`)."""
    by = {(row["variant"], row["key"]): row for _, row in pair.iterrows()}
    variants = list(dict.fromkeys(pair["variant"]))
    reach = []
    for variant in variants:
        inside, zero = by.get((variant, IN_LANGUAGE)), by.get((variant, 0))
        if inside is not None and zero is not None and inside["mean"] > 0:
            reach.append({"variant": variant, "zero_shot": zero["mean"], "in_language": inside["mean"],
                          "share": zero["mean"] / inside["mean"]})
    gains = []
    for variant in variants:
        base = pair.loc[pair["variant"] == variant, "base_model"].iloc[0]
        if variant == base or base not in variants:
            continue
        for setting in sorted(set(pair["key"])):
            mine, theirs = by.get((variant, setting)), by.get((base, setting))
            if mine is None or theirs is None:
                continue
            gain, noise = mine["mean"] - theirs["mean"], _noise(mine["std"], theirs["std"])
            verdict = ("within seed noise" if math.isnan(noise) or abs(gain) <= noise
                       else "helps" if gain > 0 else "hurts")
            gains.append({"variant": variant, "base": base, "setting": setting, "gain": gain,
                          "noise": noise, "verdict": verdict})
    return {"variants": variants, "reach": reach, "gains": gains}


def render_transfer(table: pd.DataFrame) -> list[str]:
    """Markdown lines: one section per source -> target pair of the transfer table."""
    if table.empty:
        return []
    lines = ["## Cross-lingual NER transfer: the study's question", "",
             "Test span F1 (%) on the target, mean ± sample std over seeds (n seeds). In-language trains on the "
             "target; zero-shot on the source only; few-shot on the source plus the target's first N training "
             "sentences. `[±m]` is the cell's margin over its setting's trivial baseline (the last row: an "
             "exact-match gazetteer of the entities in the setting's training sentences, longest match first). "
             "Does specializing the encoder to the target help transfer to it, and how much of the "
             "in-language score does zero-shot reach?", "", f"*Caveats.* {CAVEATS}", ""]
    for source, target, pair in transfer_pairs(table):
        settings = sorted(set(pair["key"]))
        found = pair_findings(pair)
        lines += [f"### {source} -> {target}", "",
                  "| variant | " + " | ".join(setting_label(s) for s in settings) + " |",
                  "|---|" + "---|" * len(settings)]
        for variant in found["variants"]:
            rows = pair[pair["variant"] == variant].set_index("key")
            lines.append(f"| {variant} | " + " | ".join(_cell(rows.loc[s]) if s in rows.index else "–"
                                                      for s in settings) + " |")
        baselines = pair.groupby("key")["baseline"].first()
        lines.append("| baseline (gazetteer) | " + " | ".join(f"{baselines[s]:.2f}" for s in settings) + " |")
        lines.append("")
        for row in found["reach"]:
            lines.append(f"- {row['variant']}: zero-shot reaches {100 * row['share']:.0f} % of its in-language F1 "
                         f"({row['zero_shot']:.2f} of {row['in_language']:.2f}).")
        for row in found["gains"]:
            noise = "no spread" if math.isnan(row["noise"]) else f"seed spread {row['noise']:.2f}"
            lines.append(f"- {row['variant']} against {row['base']}, {setting_label(row['setting'])}: "
                         f"{row['gain']:+.2f} points ({noise}): {row['verdict']}.")
        lines.append("")
    return lines
