"""Fine-tuning with the run's embedding rows only, against the whole matrix (the code before
``TransformerEncoder.narrow``), on the same job: same numbers, how much faster.

    .venv/bin/python bench/narrow.py            # tiny-mbert on Maltese POS and English NER, e5-small on Maltese POS
    .venv/bin/python bench/narrow.py --quick    # the tiny model only

Each side runs ``run_finetune`` alone in its own process on 1 thread (the study's setting),
two epochs, the first frozen as in the study, sides alternating; the baseline's process
replaces ``narrow`` by a method that keeps every row and every id. Reported: training words
per second over both epochs (``metrics.json``), the job's wall and CPU seconds, peak RSS, and
whether both sides' histories and test scores are equal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import OUT, emit, load, median, run_child
from inputs import MODELS, TINY, e5_small, maltese_view, mbert_vocab_bert, wikiann_view

SETTINGS = {"max_epochs": 2, "patience": 2, "freeze_encoder_epochs": 1, "batch_size": 32, "threads": 1,
            "checkpoint_every_s": 100000}


def side(name: str, spec: dict) -> None:
    """One side, in this process: ``narrowed`` is the code as it is; ``full`` keeps the whole matrix."""
    from specmlm.finetune import prepared_files, run_finetune
    from specmlm.tasks.encoder import TransformerEncoder

    if name == "full":
        TransformerEncoder.narrow = lambda self, items: None
    work = OUT / "narrow" / f"{spec['case']}-{name}"
    metrics = run_finetune(spec["task"], "transformer", spec["model"], prepared_files(spec["view"], spec["task"]),
                           work / "out", work / "ckpt", {**SETTINGS, "pos_column": "xpos"})
    emit({"words_per_s": metrics["throughput"]["train_words_per_s"], "history": metrics["history"],
          "test": metrics["test"][metrics["metric"]]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the tiny model only, one run a side")
    args = parser.parse_args()
    tiny = mbert_vocab_bert(MODELS / "tiny-mbert", TINY)
    cases = [("tiny-mbert mt/pos", "pos", tiny, maltese_view(600, 200), 2),
             ("tiny-mbert en/ner", "ner", tiny, wikiann_view(600, 200), 2)]
    if not args.quick:
        cases.append(("e5-small mt/pos", "pos", e5_small(), maltese_view(96, 64), 1))
    print(f"load at start {load()[0]:.2f}", flush=True)
    print("| job | words/s narrowed | full (baseline) | ratio | job wall s | job CPU s | peak RSS MB "
          "| same history and test |")
    print("|---|---|---|---|---|---|---|---|")
    for case, task, model, view, repeats in cases:
        spec = json.dumps({"case": case.replace(" ", "-").replace("/", "-"), "task": task,
                           "model": str(model), "view": str(view)})
        runs: dict[str, list] = {"narrowed": [], "full": []}
        for repeat in range(1 if args.quick else repeats):
            for name in (("narrowed", "full") if repeat % 2 == 0 else ("full", "narrowed")):
                runs[name].append(run_child(["bench/narrow.py", "--side", name, spec], timeout=3600))
        ours, base = (median([c.result["words_per_s"] for c in runs[n]]) for n in ("narrowed", "full"))
        same = all(a.result["history"] == b.result["history"] and a.result["test"] == b.result["test"]
                   for a, b in zip(runs["narrowed"], runs["full"]))
        cells = [" / ".join(f"{median([getattr(c, field) for c in runs[n]]):,.0f}" for n in ("narrowed", "full"))
                 for field in ("wall_s", "cpu_s", "peak_rss_mb")]
        print(f"| {case} | {ours:,.0f} | {base:,.0f} | **{ours / base:.2f}x** | {' | '.join(cells)} "
              f"| {'yes' if same else 'NO'} |", flush=True)
    print(f"load at end {load()[0]:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--side":
        side(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
