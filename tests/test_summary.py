"""results/README.md: every number equals one recomputed here from the tables; missing cells are listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from tests.test_plots import VIEWS, build_study, config

from specmlm import summary
from specmlm.config import Study, load
from specmlm.corpus_size import size_check
from specmlm.plots import PAPER_SPEARMAN
from specmlm.published import LANGS, published

STEPS = (("LAPT − mBERT", "lapt", "mbert"), ("VA − LAPT", "va", "lapt"))
LATIN = {"ug-Latn": "ug", "mhr-Latn": "mhr"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    tables = build_study(tmp_path_factory.mktemp("study"))
    expected = [{"task": r.task, "view": r.view, "variant": r.variant, "seed": r.seed} for r in Study(config()).runs]
    out = tables.parent / "README.md"
    numbers = summary.write_summary(tables, config(), out, expected)
    return tables, out.read_text(encoding="utf-8"), numbers


def table_after(text: str, *headings: str) -> list[dict[str, str]]:
    """The first Markdown table after the given headings (each searched for after the previous)."""
    lines = text.splitlines()
    start = 0
    for heading in headings:
        start = next(i for i in range(start, len(lines)) if lines[i].startswith(heading))
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    header = [c.strip() for c in lines[first].strip("|").split("|")]
    rows = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)))
    return rows


def signed(value: float) -> str:
    return f"{round(value, 2) + 0.0:+.2f}"


def per_view(tables: Path, task: str) -> pd.DataFrame:
    table = pd.read_csv(tables / f"{task}.csv")
    return table[~table["view"].str.startswith("avg")].set_index(["view", "variant"])


def average(values: pd.Series) -> float:
    return round(float(values.mean()), 2)


def test_average_gains_equal_the_tables(run: tuple[Path, str, dict]) -> None:
    tables, text, _ = run
    rows = table_after(text, "## Average gains")
    assert [(r["gain"], r["task"]) for r in rows] == [(label, task) for task in VIEWS for label, _, _ in STEPS]
    for row in rows:
        task = row["task"]
        _, a, b = next(s for s in STEPS if s[0] == row["gain"])
        cells = per_view(tables, task)
        views = [v for v in LANGS[task] if (v, a) in cells.index and (v, b) in cells.index]
        here = average(cells.loc[[(v, a) for v in views], "mean"]) - average(cells.loc[[(v, b) for v in views], "mean"])
        paper = (average(cells.loc[[(v, a) for v in views], "published_mean"])
                 - average(cells.loc[[(v, b) for v in views], "published_mean"]))
        assert row["here"] == signed(here)
        assert row["languages"] == f"{len(views)} of 8"
        assert row["paper, same languages"] == signed(paper)
        assert row["sign"] == ("OPPOSITE" if here * paper < 0 else "same")


def test_the_papers_average_gains_are_those_of_section_10_5(run: tuple[Path, str, dict]) -> None:
    rows = table_after(run[1], "## Average gains")
    paper = {(r["gain"], r["task"]): r["paper, 8 languages"] for r in rows}
    assert paper == {
        ("LAPT − mBERT", "pos"): "+1.12", ("LAPT − mBERT", "ud"): "+2.29", ("LAPT − mBERT", "ner"): "+3.26",
        ("VA − LAPT", "pos"): "+1.45", ("VA − LAPT", "ud"): "+2.08", ("VA − LAPT", "ner"): "+2.02",
    }
    ner = next(r for r in rows if (r["gain"], r["task"]) == ("VA − LAPT", "ner"))
    assert ner["languages"] == "8 of 8" and ner["paper, same languages"] == "+2.02"


@pytest.mark.parametrize("task", ["pos", "ud", "ner"])
def test_view_gains_and_best_variants_equal_the_tables(run: tuple[Path, str, dict], task: str) -> None:
    tables, text, _ = run
    heading = {"pos": "### POS tagging", "ud": "### UD parsing", "ner": "### WikiAnn NER"}[task]
    cells = per_view(tables, task)
    gains = table_after(text, heading, "#### Gains per view")
    assert [r["view"] for r in gains] == list(VIEWS[task])
    for row in gains:
        for label, a, b in STEPS:
            view = row["view"]
            present = (view, a) in cells.index and (view, b) in cells.index
            expected = signed(cells.at[(view, a), "mean"] - cells.at[(view, b), "mean"]) if present else "–"
            assert row[f"{label} here"] == expected
            paper = published(task, view, a)[0], published(task, view, b)[0]
            assert row[f"{label} paper"] == (signed(paper[0] - paper[1]) if present else "–")
    best = table_after(text, heading, "#### Best variant per view")
    for row in best:
        group = pd.read_csv(tables / f"{task}.csv").query("view == @row['view']")
        top = group.loc[group["mean"].idxmax()]
        assert row["mean"] == f"{top['mean']:.2f}"
        assert row["best here"] == summary.display(top["variant"])
        assert row["paper"] == f"{group['published_mean'].max():.2f}"


def test_latin_against_original_equals_the_tables(run: tuple[Path, str, dict]) -> None:
    tables, text, _ = run
    rows = table_after(text, "## Original script against Latin")
    expected = []
    for task in VIEWS:
        cells = per_view(tables, task)
        for view, parent in LATIN.items():
            if view not in VIEWS[task]:
                continue
            for variant in ("fasttext", "roberta", "mbert", "lapt", "va"):
                here = cells.at[(view, variant), "mean"] - cells.at[(parent, variant), "mean"]
                paper = published(task, view, variant)[0] - published(task, parent, variant)[0]
                expected.append([task, f"{view} − {parent}", summary.display(variant), signed(here), signed(paper)])
    assert [[r["task"], r["view − original"], r["variant"], r["here"], r["paper"]] for r in rows] == expected


def test_spearman_equals_a_recomputation(run: tuple[Path, str, dict]) -> None:
    tables, text, _ = run
    tokenization = pd.read_csv(tables / "tokenization.csv").query("split == 'train'")
    rows = {r["task"]: r for r in table_after(text, "## VA's gain and the UNK reduction")}
    for task in VIEWS:
        cells = per_view(tables, task)
        wunk = tokenization[tokenization["dataset"] == ("ner" if task == "ner" else "ud")].set_index(
            ["view", "tokenizer"])["wunk_prop"]
        views = [v for v in VIEWS[task] if "-" not in v and (v, "va") in cells.index]
        rho = stats.spearmanr([wunk[v, "mbert"] - wunk[v, "va"] for v in views],
                              [round(cells.at[(v, "va"), "mean"] - cells.at[(v, "lapt"), "mean"], 2) for v in views])
        assert (rows[task]["ρ here"], rows[task]["p here"], rows[task]["n"]) == (
            f"{rho.statistic:.2f}", f"{rho.pvalue:.3f}", str(len(views)))
        assert rows[task]["paper ρ"] == f"{PAPER_SPEARMAN[task][0]:.2f}"


def allowed_numbers(tables: Path) -> set[float]:
    """Every number the summary may state, recomputed from the tables, published.py and PAPER §9."""
    numbers = {round(v, 2) for rho, p in PAPER_SPEARMAN.values() for v in (rho,)} | {
        round(p, 3) for _, p in PAPER_SPEARMAN.values()}
    for task in VIEWS:
        table = pd.read_csv(tables / f"{task}.csv")
        numbers |= {round(v, 2) for c in ("mean", "std", "published_mean") for v in table[c].dropna()}
        cells = per_view(tables, task)
        views = list(dict.fromkeys(v for v, _ in cells.index))
        variants = list(dict.fromkeys(x for _, x in cells.index))
        for column in ("mean", "published_mean"):
            values = cells[column]
            for _, a, b in STEPS:
                for view in views:
                    if (view, a) in values.index and (view, b) in values.index:
                        numbers.add(round(values[view, a] - values[view, b], 2))
                common = [v for v in LANGS[task] if (v, a) in values.index and (v, b) in values.index]
                numbers.add(round(average(values[[(v, a) for v in common]]) - average(values[[(v, b) for v in common]]), 2))
                numbers.add(round(average(pd.Series([published(task, v, a)[0] for v in LANGS[task]]))
                                  - average(pd.Series([published(task, v, b)[0] for v in LANGS[task]])), 2))
            for view, parent in LATIN.items():
                numbers |= {round(values[view, x] - values[parent, x], 2) for x in variants
                            if (view, x) in values.index and (parent, x) in values.index}
        numbers |= {round(float(cells.xs(x, level="variant")["diff"].mean()), 2) for x in variants}
        tokenization = pd.read_csv(tables / "tokenization.csv").query("split == 'train'")
        wunk = tokenization[tokenization["dataset"] == ("ner" if task == "ner" else "ud")].set_index(
            ["view", "tokenizer"])["wunk_prop"]
        originals = [v for v in views if "-" not in v and (v, "va") in cells.index]
        rho = stats.spearmanr([wunk[v, "mbert"] - wunk[v, "va"] for v in originals],
                              [round(cells.at[(v, "va"), "mean"] - cells.at[(v, "lapt"), "mean"], 2) for v in originals])
        numbers |= {round(rho.statistic, 2), round(rho.pvalue, 3)}
        for column in ("mean", "published_mean"):  # the findings table's VA − mBERT
            numbers |= {round(cells[column][v, "va"] - cells[column][v, "mbert"], 2) for v in views
                        if (v, "va") in cells.index and (v, "mbert") in cells.index}
        numbers |= {round(float(f"{u:.4f}"), 3) for u in tokenization["unk_prop"]}  # printed with 4 decimals
    transfer = pd.read_csv(tables / "ner_transfer.csv")
    numbers |= {round(v, 2) for c in ("mean", "std", "baseline", "margin") for v in transfer[c].dropna()}
    for (target, shots), cell in transfer.groupby(["target", "shots"]):  # each variant against mBERT
        base = cell.set_index("variant")["mean"]
        numbers |= {round(base[v] - base["mbert"], 2) for v in base.index}
    return {n + 0.0 for n in numbers}


def test_every_number_in_the_summary_comes_from_the_tables(run: tuple[Path, str, dict]) -> None:
    tables, text, _ = run
    allowed = allowed_numbers(tables)
    stated = [float(token) for token in re.findall(r"[+-]?\d+\.\d+", text)]
    assert len(stated) > 200
    strays = sorted({n for n in stated if round(n, 3) + 0.0 not in allowed and round(n, 2) + 0.0 not in allowed})
    assert strays == []


def test_sign_differences_are_stated_plainly(run: tuple[Path, str, dict]) -> None:
    tables, text, numbers = run
    cells = per_view(tables, "pos")
    here = signed(cells.at[("ga", "lapt"), "mean"] - cells.at[("ga", "mbert"), "mean"])
    assert here.startswith("-")
    section = text[text.index("## Where this run disagrees"):]
    assert f"- POS tagging, ga: LAPT − mBERT is {here} here but +1.37 in the paper (opposite sign" in section
    assert section.count("(opposite sign") == sum(
        here * paper < 0 for found in numbers["tasks"].values() for kind in ("view_gains", "latin", "average_gains")
        for g in found[kind]
        for here, paper in [(g["here"], g.get("paper", g.get("paper_same_views")))] if here is not None and paper is not None)


def test_missing_cells_are_listed(run: tuple[Path, str, dict]) -> None:
    _, text, numbers = run
    rows = {(r["task"], r["variant"]): r for r in table_after(text, "## Cells still missing")}
    assert rows[("pos", "VA")]["no run yet"] == "bg, ur, wo"
    assert rows[("ud", "fastText")]["no run yet"] == "bg, ur, vi, wo"
    assert rows[("ner", "fastText")]["no run yet"] == "–"
    assert "mhr-Latn (3 of 5)" in rows[("ner", "LAPT")]["incomplete (seed sets present)"]
    missing = {(m["task"], m["view"], m["variant"]): m["present"] for m in numbers["missing"]}
    assert missing[("pos", "wo", "va")] == 0 and missing[("pos", "be", "va")] == 3
    assert ("ner", "mhr", "lapt") in missing


def test_a_complete_run_and_no_expected_list(tmp_path: Path) -> None:
    tables = build_study(tmp_path, transfer=False)
    ner = pd.read_csv(tables / "ner.csv")
    present = [{"task": "ner", "view": r.view, "variant": r.variant, "seed": s} for r in ner.itertuples()
               if not r.view.startswith("avg") for s in range(r.n_seeds)]
    out = tmp_path / "README.md"
    summary.write_summary(tables, config(), out, present)
    assert f"None: all {len(present)} expected runs are in the tables." in out.read_text()
    summary.write_summary(tables, config(), out)
    assert "Not checked: no list of expected runs was given." in out.read_text()


def test_absent_task_tables_are_named(tmp_path: Path) -> None:
    tables = build_study(tmp_path, transfer=False)
    (tables / "ud.csv").unlink()
    (tables / "tokenization.csv").unlink()
    out = tmp_path / "README.md"
    numbers = summary.write_summary(tables, config(), out)
    text = out.read_text()
    assert numbers["absent"] == ["ud"]
    assert "No table yet for: ud." in text
    assert "## VA's gain and the UNK reduction" not in text
    assert "### UD parsing" not in text


def test_corpus_sizes_are_tabled_and_a_far_off_corpus_is_a_warning(tmp_path: Path) -> None:
    tables = build_study(tmp_path, transfer=False)
    reports = {}
    for lang, origin, valid in (("mt", "wikipedia", 6_000), ("ug", "wikipedia", 1_500), ("wo", "local", 40)):
        report = {"train": {"documents": 8, "lines": 8 * valid, "tokens": 80 * valid},
                  "valid": {"documents": 1, "lines": valid, "tokens": 10 * valid},
                  "test": {"documents": 1, "lines": valid, "tokens": 10 * valid}}
        report["size_check"] = size_check(lang, origin, report)
        reports[lang] = tmp_path / f"{lang}.json"
        reports[lang].write_text(json.dumps(report))
    out = tmp_path / "README.md"
    summary.write_summary(tables, config(), out, None, reports)
    text = out.read_text()
    assert ("**Warnings**\n\n- ug: the unlabelled corpus is far from the paper's size, beyond a factor of 2: "
            "valid 1,500 lines against the paper's 15,758 (x0.095)\n") in text
    rows = {r["language"]: r for r in table_after(text, "## Unlabelled corpora")}
    assert rows["mt"] == {"language": "mt", "train": "48,000 / 480,000", "valid": "6,000 / 60,000",
                          "test": "6,000 / 60,000",
                          "paper": "valid 6,345 lines (x0.946 here), valid 107,000 tokens (x0.561 here)",
                          "check": "within the tolerance"}
    assert rows["ug"]["check"] == "**far off**"
    assert (rows["wo"]["paper"], rows["wo"]["check"]) == ("–", "local corpus, not compared")
    # without corpus reports (a summary of tables alone) the section is left out
    summary.write_summary(tables, config(), out)
    assert "## Unlabelled corpora" not in out.read_text() and "**Warnings**" not in out.read_text()


def test_findings_table_on_a_small_study() -> None:
    """The demo's views with hand-set POS means and stds: each verdict follows from the numbers."""
    demo = load(Path(__file__).resolve().parents[1] / "demo" / "config.yaml")
    cells = {  # (view, variant): (mean, std)
        ("ug", "mbert"): (70.0, 1.0), ("ug", "lapt"): (71.5, 0.5), ("ug", "va"): (80.0, 1.0),
        ("ug-Latn", "mbert"): (70.5, 1.0),  # +0.5 with stds 1.0: within seed noise
        ("wo", "mbert"): (80.0, 0.2), ("wo", "lapt"): (79.0, 0.2), ("wo", "va"): (79.1, 0.1),  # LAPT loses: no; VA +0.1 within 0.2: yes
        ("mt", "mbert"): (85.0, 0.5), ("mt", "lapt"): (87.0, 0.5), ("mt", "va"): (89.0, 0.5),  # VA +2 > 0.5: no
    }
    pos = pd.DataFrame([{"task": "pos", "view": v, "variant": x, "mean": m, "std": s, "published_mean": None,
                         "marker": "", "n_seeds": 2} for (v, x), (m, s) in cells.items()])
    tokenization = pd.DataFrame([{"view": "ug", "tokenizer": t, "dataset": "ud", "split": "train", "unk_prop": u}
                                 for t, u in (("mbert", 0.15898), ("va", 0.04))])
    rows = summary.main_findings({"pos": pos, "tokenization": tokenization}, demo)
    found = [(r["finding"], r["view"], r["holds"]) for r in rows]
    assert found == [("translit", "ug-Latn vs ug", "within seed noise"), ("unk", "ug", "yes"), ("va_gain", "ug", "yes"),
                     ("lapt_unseen", "ug", "yes"), ("lapt_unseen", "wo", "no"), ("lapt_unseen", "mt", "yes"),
                     ("va_latin", "wo", "yes"), ("va_latin", "mt", "no")]
    assert rows[0]["here"] == "mBERT ug-Latn − mBERT ug: +0.50 (70.50 vs 70.00)"
    assert rows[1]["here"] == "UNK proportion mBERT 0.1590 → VA 0.0400"
    assert rows[2]["here"] == "VA − LAPT: +8.50 (80.00 vs 71.50); VA − mBERT: +10.00 (80.00 vs 70.00)"
    assert rows[2]["spread"] == "± 1.00 / ± 0.50; ± 1.00 / ± 1.00"
    text = summary.render({"study": "demo", "findings": rows, "tasks": {}, "absent": [], "missing": None,
                           "expected": None, "transfer": []}, "tables")
    assert "Holds in 5 of 8 rows. Does not hold: pos ug-Latn vs ug (Transliteration into Latin script rescues mBERT " \
           "on Uyghur: within seed noise); pos wo (LAPT gains over mBERT on languages mBERT never saw: no); " \
           "pos mt (VA gains little over LAPT on unseen Latin-script languages: no)." in text
