"""specmlm's performance benchmark: one command, ours against a stock baseline, ratios and targets.

    .venv/bin/python bench/run.py [--quick] [--no-wait] [--wait-budget SECONDS]

Writes bench/out/results.json and bench/out/results.md. Sections (bench/README.md explains each):
fine-tuning throughput and peak memory (run_finetune vs a plain transformers Trainer), LAPT step
throughput (masked-only decoder vs BertForMaskedLM + DataCollatorForLanguageModeling), the DAG
(snakemake -n timings and profile), per-rule peak memory of the demo, and GPU throughput/MFU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dag  # noqa: E402
from common import OUT, ensure_accelerate, load, machine, median, run_child, wait_for_quiet  # noqa: E402
from study import analytic_gpu_hours  # noqa: E402

TARGETS = {"finetune_train_ratio": 1.5, "lapt_ratio": 3.0, "dry_run_s": 5.0, "noop_rerun_s": 10.0}
RSS_TOLERANCE = 1.02
"""'Equal' peak memory: within 2% (RSS of the same job varies by a few MB between runs)."""

FINETUNE_CASES = [
    # (model, dataset, task, train/eval sentences full, quick, (processes per side, runs per process) full, quick,
    #  warm-up batches)
    ("tiny-mbert", "mt", "pos", (256, 128), (128, 64), (2, 2), (1, 1), 2),
    ("tiny-mbert", "en", "ner", (512, 256), (256, 128), (2, 2), (1, 1), 2),
    ("e5-small", "mt", "pos", (96, 64), (32, 32), (2, 1), (1, 1), 1),
    ("e5-small", "en", "ner", (128, 64), (64, 32), (2, 1), (1, 1), 1),
]
"""Processes of the two sides alternate (ours first, then baseline first, ...); medians over every run."""
LAPT_CASES = [
    # (vocab, warm-up, measured steps full, quick)
    ("mbert", 1, 4, 2),
    (8000, 2, 8, 3),
]
TINY_SHAPE = {"hidden": 64, "layers": 2, "heads": 4, "ffn": 256}
BATCH = 32
THREADS = 2


def say(text: str) -> None:
    print(text, flush=True)


def build_inputs(quick: bool) -> dict[str, Path]:
    """Views and models, built by a worker (this process stays free of torch)."""
    ensure_accelerate()
    code = ["import json, inputs", "views = {}"]
    for _, dataset, _, full, fast, _, _, _ in FINETUNE_CASES:
        train, evaluation = fast if quick else full
        builder = "maltese_view" if dataset == "mt" else "wikiann_view"
        code.append(f"views['{dataset}-{train}-{evaluation}'] = str(inputs.{builder}({train}, {evaluation}))")
    code.append("views['tiny-mbert'] = str(inputs.tiny_mbert()); views['e5-small'] = str(inputs.e5_small())")
    code.append("print(json.dumps(views))")
    child = run_child(["-c", "; ".join(code)], timeout=600)
    return {name: Path(path) for name, path in child.result.items()}


def finetune(quick: bool, paths: dict[str, Path]) -> list[dict[str, Any]]:
    rows = []
    for model, dataset, task, full, fast, plan_full, plan_quick, warmup in FINETUNE_CASES:
        train, evaluation = fast if quick else full
        processes, repeats = plan_quick if quick else plan_full
        spec = {"task": task, "model": str(paths[model]), "view": str(paths[f"{dataset}-{train}-{evaluation}"]),
                "batch_size": BATCH, "threads": THREADS, "warmup_batches": warmup, "repeats": repeats}
        children: dict[str, list[Any]] = {"ours": [], "baseline": []}
        loads = []
        for process in range(processes):
            order = ("ours", "baseline") if process % 2 == 0 else ("baseline", "ours")
            for side in order:
                loads.append(load()[0])
                work = OUT / "work" / f"{model}-{dataset}-{side}"
                children[side].append(run_child(["bench/finetune_worker.py", side,
                                                 json.dumps({**spec, "work": str(work)})], timeout=900))
        row = {"model": model, "dataset": dataset, "task": task, "processes": processes, "runs_per_process": repeats,
               "load_1min_at_starts": loads}
        for side, done in children.items():
            first = done[0].result
            runs = [run for child in done for run in child.result["runs"]]
            train_s = median([r["train_s"] for r in runs])
            eval_s = median([r["eval_s"] for r in runs])
            row[side] = {
                "train_sentences": first["train"]["sentences"], "dev_sentences": first["dev"]["sentences"],
                "train_words": first["train"]["words"], "train_pieces": first["train"]["pieces"],
                "dev_words": first["dev"]["words"], "dev_pieces": first["dev"]["pieces"],
                "train_s": train_s, "eval_s": eval_s,
                "train_cpu_s": median([r["train_cpu_s"] for r in runs]),
                "phases_s": {phase: median([r["phases_s"].get(phase, 0.0) for r in runs])
                             for phase in runs[0]["phases_s"]},
                "train_words_per_s": first["train"]["words"] / train_s,
                "train_pieces_per_s": first["train"]["pieces"] / train_s,
                "eval_words_per_s": first["dev"]["words"] / eval_s,
                "eval_pieces_per_s": first["dev"]["pieces"] / eval_s,
                "peak_rss_mb": median([c.peak_rss_mb for c in done]),
                "process_cpu_s": median([c.cpu_s for c in done]),
                "process_wall_s": median([c.wall_s for c in done]),
                "run_s": median([r["run_s"] for r in runs]),
                "train_s_all": [r["train_s"] for r in runs],
                "dev_score": first["dev_score"],
                "outside_epoch_s": {k: median([r["outside_s"][k] for r in runs]) for k in runs[0]["outside_s"]},
            }
        if row["ours"]["train_pieces"] != row["baseline"]["train_pieces"]:
            raise RuntimeError(f"{model}/{dataset}: the two sides saw different inputs")
        row["train_ratio"] = row["baseline"]["train_s"] / row["ours"]["train_s"]
        row["eval_ratio"] = row["baseline"]["eval_s"] / row["ours"]["eval_s"]
        row["train_cpu_ratio"] = row["baseline"]["train_cpu_s"] / row["ours"]["train_cpu_s"]
        row["rss_ratio"] = row["ours"]["peak_rss_mb"] / row["baseline"]["peak_rss_mb"]
        row["target_met"] = (row["train_ratio"] >= TARGETS["finetune_train_ratio"]
                             and row["rss_ratio"] <= RSS_TOLERANCE)
        say(f"  finetune {model} {dataset}/{task}: train words/s ours {row['ours']['train_words_per_s']:.0f}, "
            f"baseline {row['baseline']['train_words_per_s']:.0f}, ratio {row['train_ratio']:.2f}x; "
            f"eval ratio {row['eval_ratio']:.2f}x; peak RSS ours {row['ours']['peak_rss_mb']:.0f} MB, "
            f"baseline {row['baseline']['peak_rss_mb']:.0f} MB")
        rows.append(row)
    return rows


def optimizer_steps(paths: dict[str, Path]) -> list[dict[str, Any]]:
    """Diagnostic for the fine-tuning rows: one optimiser step, ours against torch's (optimizer_worker)."""
    rows = []
    for model in ("tiny-mbert", "e5-small"):
        spec = {"model": str(paths[model]), "threads": THREADS, "warmup": 2, "steps": 5}
        row = {"model": model, **run_child(["bench/optimizer_worker.py", json.dumps(spec)], timeout=600).result}
        say(f"  optimizer step {model} ({row['parameters']:,} parameters): " + ", ".join(
            f"{name} {secs * 1000:.0f} ms" for name, secs in row["step_s"].items()))
        rows.append(row)
    return rows


def lapt(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for vocab, warmup, steps, quick_steps in LAPT_CASES:
        spec = {"vocab": vocab, **TINY_SHAPE, "batch_size": BATCH, "max_seq_length": 128, "warmup": warmup,
                "steps": quick_steps if quick else steps, "threads": THREADS}
        start_load = load()[0]
        child = run_child(["bench/lapt_worker.py", json.dumps(spec)], timeout=900)
        row = {"vocab": vocab, **child.result, "load_1min_at_start": start_load,
               "peak_rss_mb_both_sides": child.peak_rss_mb}
        row["target_met"] = row["ratio"] >= TARGETS["lapt_ratio"]
        say(f"  lapt vocab {row['vocab_size']}: tokens/s ours {row['ours']['tokens_per_s']:.0f}, "
            f"stock {row['stock']['tokens_per_s']:.0f}, ratio {row['ratio']:.2f}x")
        rows.append(row)
    return rows


def dag_section(quick: bool) -> dict[str, Any]:
    repeats = 1 if quick else 3
    dry = dag.dry_run(repeats)
    say(f"  snakemake -n (config.yaml, {dry['jobs']} jobs): {dry['wall_s']:.2f} s (target < {TARGETS['dry_run_s']} s)")
    profiled = dag.profile_dry_run() if (not quick or dry["wall_s"] > TARGETS["dry_run_s"]) else None
    reruns = dag.rerun(repeats)
    for name, case in reruns["cases"].items():
        say(f"  {name}: {case['wall_s']:.2f} s, {case['jobs_planned']} jobs planned")
    noop = next(case for name, case in reruns["cases"].items() if name.startswith("no-op"))
    return {"dry_run": dry, "dry_run_target_met": dry["wall_s"] < TARGETS["dry_run_s"], "profile": profiled,
            "rerun": reruns, "noop_target_met": noop["jobs_planned"] == 0 and noop["wall_s"] < TARGETS["noop_rerun_s"]}


def gpu_section(has_cuda: bool, quick: bool) -> dict[str, Any]:
    analytic = analytic_gpu_hours(0.35, 989.4)
    if not has_cuda:
        say("  GPU: skipped: no CUDA device")
        return {"skipped": "no CUDA device", "analytic_estimate": analytic}
    child = run_child(["bench/gpu.py", json.dumps({"quick": quick})], timeout=1800)
    return {**child.result, "analytic_estimate": analytic}


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(results: dict[str, Any]) -> str:
    m, lines = results["machine"], []
    add = lines.append
    add(f"# specmlm benchmark ({results['mode']})\n")
    add(f"- date: {results['date']}")
    add(f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; torch {m['torch']}, "
        f"transformers {m['transformers']}, snakemake {m['snakemake']}, Python {m['python']}, CUDA: {m['cuda']}")
    lw = results["load"]
    add(f"- load average (1/5/15 min): before waiting {fmt(lw['before'][0], 2)}/{fmt(lw['before'][1], 2)}/"
        f"{fmt(lw['before'][2], 2)}, waited {lw['waited_s']} s, at start {fmt(lw['start'][0], 2)}/"
        f"{fmt(lw['start'][1], 2)}/{fmt(lw['start'][2], 2)}, at end {fmt(lw['end'][0], 2)}/{fmt(lw['end'][1], 2)}/"
        f"{fmt(lw['end'][2], 2)} (the machine is shared: other jobs' load is in every wall time)")
    add(f"- measurement wall time: {results['wall_s']:.0f} s; threads per worker: {THREADS}; batch {BATCH}\n")

    add("## 1. Fine-tuning (the second of two epochs, after warm-up; ours = run_finetune, baseline = transformers Trainer)\n")
    add("| model | data (train/dev sent.) | runs | train words/s ours | baseline | ratio | train pieces/s ours | "
        "baseline | eval words/s ours | baseline | ratio | peak RSS MB ours | baseline | target ≥1.5x, RSS ≤ |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["finetune"]:
        o, b = r["ours"], r["baseline"]
        add(f"| {r['model']} | {r['dataset']}/{r['task']} ({o['train_sentences']}/{o['dev_sentences']}) "
            f"| {r['processes']}x{r['runs_per_process']} "
            f"| {fmt(o['train_words_per_s'])} | {fmt(b['train_words_per_s'])} | **{r['train_ratio']:.2f}x** "
            f"| {fmt(o['train_pieces_per_s'])} | {fmt(b['train_pieces_per_s'])} "
            f"| {fmt(o['eval_words_per_s'])} | {fmt(b['eval_words_per_s'])} | {r['eval_ratio']:.2f}x "
            f"| {fmt(o['peak_rss_mb'])} | {fmt(b['peak_rss_mb'])} | {'met' if r['target_met'] else 'missed'} |")
    add("")
    add("Training epoch split into phases (wall s, median over repeats; `other` = the loop itself, zero_grad, "
        "bookkeeping) and the epoch's CPU time (all threads):\n")
    add("| model | data | side | epoch s | CPU s | collate | forward | head loss | backward | clip | optimizer "
        "| other |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["finetune"]:
        for side in ("ours", "baseline"):
            x = r[side]
            ph = x["phases_s"]
            add(f"| {r['model']} | {r['dataset']} | {side} | {x['train_s']:.2f} | {x['train_cpu_s']:.2f} | "
                + " | ".join(f"{ph.get(p, 0.0):.2f}" for p in ("collate", "forward", "forward (head loss)", "backward",
                                                              "clip", "optimizer", "other")) + " |")
    add("")
    add("CPU-time ratios (baseline / ours) of the training epoch: " + ", ".join(
        f"{r['model']} {r['dataset']} {r['train_cpu_ratio']:.2f}x" for r in results["finetune"]) + "\n")
    add("One optimiser step alone (optimizer_worker.py: the encoder's parameters, random gradients, median of 5):\n")
    add("| model | parameters | " + " | ".join(results["optimizer_step"][0]["step_s"]) + " |")
    add("|---|---|" + "---|" * len(results["optimizer_step"][0]["step_s"]))
    for r in results["optimizer_step"]:
        steps = " | ".join(f"{v * 1000:.0f} ms" for v in r["step_s"].values())
        add(f"| {r['model']} | {r['parameters']:,} | {steps} |")
    add("")
    add("Whole worker process (imports, warm-up, the run, and for ours the checkpoints and the final dev/test "
        "prediction + writing): ")
    for r in results["finetune"]:
        o, b = r["ours"], r["baseline"]
        add(f"- {r['model']} {r['dataset']}: process wall {o['process_wall_s']:.1f} s / {b['process_wall_s']:.1f} s, "
            f"CPU {o['process_cpu_s']:.1f} s / {b['process_cpu_s']:.1f} s (ours / baseline); "
            f"per-repeat train s ours {[round(x, 2) for x in o['train_s_all']]}, "
            f"baseline {[round(x, 2) for x in b['train_s_all']]}; ours outside the epoch and evaluation: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in o["outside_epoch_s"].items()))
    add("")

    add("## 2. LAPT step (tiny BERT 2 x 64; batch 32 x 128; ours = masked-only decoder, stock = BertForMaskedLM "
        "+ DataCollatorForLanguageModeling)\n")
    add("| vocabulary | tokens/step | predicted/step | ours tokens/s | stock tokens/s | ratio | target ≥3x "
        "| ours s: collate/fwd/bwd/opt | stock s: collate/fwd/bwd/opt |")
    add("|---|---|---|---|---|---|---|---|---|")
    for r in results["lapt"]:
        o, s = r["ours"], r["stock"]
        phases = lambda x: "/".join(f"{x['phases_s'][p]:.3f}" for p in ("collate", "forward", "backward", "optimizer"))  # noqa: E731
        add(f"| {r['vocab_size']:,} | {fmt(o['tokens_per_step'])} | {fmt(o['predicted_per_step'])} "
            f"| {fmt(o['tokens_per_s'])} | {fmt(s['tokens_per_s'])} | **{r['ratio']:.2f}x** "
            f"| {'met' if r['target_met'] else 'missed'} | {phases(o)} | {phases(s)} |")
    add("")

    d = results["dag"]
    add("## 3. The DAG\n")
    add("| measurement | wall s (median) | jobs planned | target | |")
    add("|---|---|---|---|---|")
    add(f"| `snakemake -n` in the checkout, config.yaml | {d['dry_run']['wall_s']:.2f} | {d['dry_run']['jobs']} | < 5 s "
        f"| {'met' if d['dry_run_target_met'] else 'missed'} |")
    for name, case in d["rerun"]["cases"].items():
        noop = name.startswith("no-op")
        target = ("< 10 s, 0 jobs | " + ("met" if d["noop_target_met"] else "missed")) if noop else "– |"
        add(f"| `{case['command']}` ({name}) | {case['wall_s']:.2f} | {case['jobs_planned']} | {target} |")
    add("")
    if d["rerun"]["demo_complete"]:
        add("The rerun rows run in a copy (bench/out/dag-copy) whose results/ is hard-linked to the checkout's results/, "
            "which holds a finished demo. Jobs planned with the default triggers are jobs whose recorded params or "
            "code differ from the checkout's (code changed after the demo ran).\n")
    else:
        add("No finished demo exists in the checkout's results/: the rerun rows run in a copy (bench/out/dag-copy) whose "
            "results/ is hard-linked to what the checkout's results/ holds, so the default-trigger rows plan the rest of "
            "the demo; the no-op row uses `--rerun-triggers mtime` on the target that exists.\n")
    if d["profile"]:
        p = d["profile"]
        add(f"cProfile of `snakemake -n` (config.yaml; {p['profiled_total_s']:.1f} s under the profiler):\n")
        add("| phase | cumulative s |")
        add("|---|---|")
        for phase, secs in p["phases_s"].items():
            add(f"| {phase.replace('  of which', '&nbsp;&nbsp;of which')} | {fmt(secs, 2)} |")
        add(f"| self time in project code (Snakefile, workflow/rules, src/specmlm) | {p['project_self_s']:.2f} |")
        for what, secs in p["project_entered_from_snakemake_s"].items():
            add(f"| project code called by Snakemake, cumulative: {what} | {secs:.2f} |")
        add("")
        add("Project functions by cumulative time: " + ", ".join(
            f"`{row['function']}` {row['cumulative_s']:.2f} s" for row in p["project_top_cumulative"][:6]))
        add("")

    mem = results["memory"]["rules"]
    add("## 4. Peak memory per rule (Snakemake benchmark files in results/benchmarks)\n")
    if mem:
        add("| rule | jobs | max_rss MB max | median | s max | median | s sum |")
        add("|---|---|---|---|---|---|---|")
        for rule, row in mem.items():
            add(f"| {rule} | {row['jobs']} | {row['max_rss_mb_max']:.0f} | {row['max_rss_mb_median']:.0f} "
                f"| {row['s_max']:.1f} | {row['s_median']:.1f} | {row['s_sum']:.1f} |")
        add("\nFrom the last run of each job in results/ (s sum = serial job time, not wall time). "
            "The demo's wall time end to end is not re-measured here (it takes longer than this suite); "
            "bench/README.md gives the last measurement.\n")
    else:
        add("No benchmark files found.\n")

    g = results["gpu"]
    add("## 5. GPU\n")
    a = g["analytic_estimate"]
    if "skipped" in g:
        add(f"skipped: {g['skipped']}\n")
    else:
        add(f"Device: {g['device']}, peak bf16 dense {g['peak_bf16_tflops']} TFLOPS\n")
        add("| model | LAPT ours tok/s | stock tok/s | ratio | MFU ours | MFU stock | fine-tune words/s | tokens/s "
            "| MFU |")
        add("|---|---|---|---|---|---|---|---|---|")
        for label, row in g["models"].items():
            lo, ls, ft = row["lapt"]["ours"], row["lapt"]["stock"], row["finetune"]
            add(f"| {label} | {fmt(lo['tokens_per_s'])} | {fmt(ls['tokens_per_s'])} | {row['lapt']['ratio']:.2f}x "
                f"| {fmt(lo['mfu'], 3)} | {fmt(ls['mfu'], 3)} | {fmt(ft['train_words_per_s'])} "
                f"| {fmt(ft['train_tokens_per_s'])} | {fmt(ft['mfu'], 3)} |")
        st = g["study"]
        add(f"\nThe paper's study from these throughputs: {st['total_gpu_h']:.0f} GPU-hours (fine-tuning "
            f"{st['finetune_gpu_h']:.0f}, LAPT+VA {st['lapt_va_gpu_h']:.0f}, RoBERTa {st['roberta_gpu_h']:.0f}); "
            "assumptions in results.json (study.ASSUMPTIONS).\n")
    add(f"Analytic estimate (not measured: model FLOPs at an assumed MFU of {a['mfu_assumed']} of an H100 SXM's "
        f"{a['peak_tflops']} bf16 TFLOPS): {a['total_pflop']:,.0f} PFLOP, {a['total_gpu_h']:.0f} GPU-hours "
        f"(fine-tuning {a['finetune_gpu_h']:.0f}, LAPT+VA {a['lapt_va_gpu_h']:.0f}, RoBERTa {a['roberta_gpu_h']:.0f}); "
        "sizes and assumptions in bench/study.py.\n")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sentences and repeats (a smoke run)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the machine's load to drop")
    parser.add_argument("--wait-budget", type=float, default=600.0, help="longest wait for load < 1.5 (s)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    before = load()
    waited = {"waited_s": 0.0} if args.no_wait else wait_for_quiet(1.5, args.wait_budget)
    start = time.perf_counter()
    results: dict[str, Any] = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                               "mode": "quick" if args.quick else "full", "machine": machine(), "targets": TARGETS}
    start_load = load()
    say(f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, torch "
        f"{results['machine']['torch']}; load {start_load[0]:.2f}")
    say("inputs")
    paths = build_inputs(args.quick)
    say("1. fine-tuning")
    results["finetune"] = finetune(args.quick, paths)
    results["optimizer_step"] = optimizer_steps(paths)
    say("2. LAPT")
    results["lapt"] = lapt(args.quick)
    say("3. DAG")
    results["dag"] = dag_section(args.quick)
    say("4. memory per rule")
    results["memory"] = dag.stage_memory()
    say("5. GPU")
    results["gpu"] = gpu_section(results["machine"]["cuda"], args.quick)
    results["wall_s"] = time.perf_counter() - start
    results["load"] = {"before": before, "waited_s": waited["waited_s"], "start": start_load, "end": load()}
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (OUT / "results.md").write_text(markdown(results))
    say(f"done in {results['wall_s']:.0f} s: {OUT / 'results.md'}")


if __name__ == "__main__":
    main()
