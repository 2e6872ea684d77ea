"""results/README.md's transfer section: the grid, zero-shot's share of in-language, gains against noise."""

from __future__ import annotations

import pandas as pd

from specmlm.transfer_findings import pair_findings, render_transfer, transfer_pairs

SHOTS = {"in_language": None, "zero_shot": 0, "few_shot50": 50}
BASELINE = {"in_language": 38.3, "zero_shot": 4.0, "few_shot50": 21.5}  # each setting's gazetteer
ROWS = [  # variant, setting, mean, std, n
    ("xlmr", "in_language", 60.0, 2.0, 2), ("xlmr", "zero_shot", 30.0, 1.0, 2), ("xlmr", "few_shot50", 45.0, 3.0, 2),
    ("xlmr_lapt", "in_language", 64.0, 1.0, 2), ("xlmr_lapt", "zero_shot", 36.0, 2.0, 2),
    ("xlmr_lapt", "few_shot50", 46.0, 1.5, 2),
    ("xlmr_va", "in_language", 61.0, None, 1), ("xlmr_va", "zero_shot", 29.0, 4.0, 2),
]


def table() -> pd.DataFrame:
    return pd.DataFrame([{"source": "wo" if s == "in_language" else "en", "target": "wo", "base_model": "xlmr",
                          "variant": v, "setting": s,
                          "shots": SHOTS[s], "mean": m, "std": sd, "n_seeds": n, "baseline": BASELINE[s],
                          "margin": round(m - BASELINE[s], 2)} for v, s, m, sd, n in ROWS])


def test_each_specialization_is_judged_against_its_base_and_the_larger_seed_spread() -> None:
    ((source, target, pair),) = transfer_pairs(table())  # in-language rows (source wo) join en -> wo
    assert (source, target, len(pair)) == ("en", "wo", len(ROWS))
    found = pair_findings(pair)
    gains = {(g["variant"], g["setting"]): (g["gain"], g["noise"], g["verdict"]) for g in found["gains"]}
    assert gains == {
        ("xlmr_lapt", -1): (4.0, 2.0, "helps"),
        ("xlmr_lapt", 0): (6.0, 2.0, "helps"),
        ("xlmr_lapt", 50): (1.0, 3.0, "within seed noise"),
        ("xlmr_va", -1): (1.0, 2.0, "within seed noise"),
        ("xlmr_va", 0): (-1.0, 4.0, "within seed noise"),
    }
    assert [(r["variant"], r["share"]) for r in found["reach"]] == [("xlmr", 0.5), ("xlmr_lapt", 36 / 64),
                                                                     ("xlmr_va", 29 / 61)]


def test_the_section_keeps_every_setting_column_with_mean_std_seeds_and_baseline() -> None:
    lines = render_transfer(table())
    assert "| variant | in-language | zero-shot | few-shot (50) |" in lines
    assert "| xlmr | 60.00 ± 2.00 (n=2) [+21.70] | 30.00 ± 1.00 (n=2) [+26.00] | 45.00 ± 3.00 (n=2) [+23.50] |" in lines
    assert "| xlmr_va | 61.00 ± – (n=1) [+22.70] | 29.00 ± 4.00 (n=2) [+25.00] | – |" in lines
    assert lines[lines.index("| xlmr_va | 61.00 ± – (n=1) [+22.70] | 29.00 ± 4.00 (n=2) [+25.00] | – |") + 1] == \
        "| baseline (gazetteer) | 38.30 | 4.00 | 21.50 |"
    assert "- xlmr: zero-shot reaches 50 % of its in-language F1 (30.00 of 60.00)." in lines
    assert "- xlmr_lapt against xlmr, zero-shot: +6.00 points (seed spread 2.00): helps." in lines
    assert "### en -> wo" in lines and not any(line.startswith("### wo -> wo") for line in lines)
    assert render_transfer(table().iloc[0:0]) == []
