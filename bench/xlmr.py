"""The XLM-R demo's encoder (multilingual-e5-small, 250,002 pieces) on CPU: where a LAPT step goes.

    .venv/bin/python bench/xlmr.py [--steps N] [--threads T]

The LAPT step of ``profiles/demo-xlmr`` (batch 16 x 64 pieces of the Wolof New Testament,
BERT-style instances, 10 predictions a sequence at most) on the converted e5-small with a fresh
MLM head (``specmlm.mlm.pretrain.load_masked_lm``): ours (the decoder at the masked positions only,
``specmlm.mlm.pretrain.masked_lm_loss``) against the stock step (``BertForMaskedLM(labels=)`` with
``DataCollatorForLanguageModeling``, the decoder at every position), alternating over the same
batches (``lapt_worker.compare``). Prints tokens/s and the phases (collate, forward, backward,
optimiser = clip + step + zero_grad over all 118M parameters, 96M of them the tied embedding).
Wall times on a shared machine: read them with the load printed beside them.
"""

from __future__ import annotations

import argparse
import json

import torch

from common import DATA, load
from inputs import e5_small
from lapt_worker import compare

WOLOF_TEXT = DATA / "text" / "wo" / "bible-corpus_Wolof-NT.verses.txt"
DEMO_SHAPE = {"batch_size": 16, "max_seq_length": 64}


def main() -> None:
    from transformers import AutoTokenizer

    from specmlm.mlm.pretrain import load_masked_lm

    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_dir = e5_small()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    lines = [line.strip() for line in WOLOF_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]
    documents = [lines[i:i + 20] for i in range(0, min(len(lines), 2000), 20)]
    start_load = load()
    result = compare(load_masked_lm(model_dir, 13370), tokenizer, documents,
                     {**DEMO_SHAPE, "warmup": 1, "steps": args.steps}, torch.device("cpu"))
    print(json.dumps({"load_at_start": start_load, "load_at_end": load(), "threads": args.threads, **result}))
    for side in ("ours", "stock"):
        row = result[side]
        phases = ", ".join(f"{name} {secs:.2f}" for name, secs in row["phases_s"].items())
        print(f"{side:5s}: {row['tokens_per_s']:7.0f} tokens/s, step {row['step_s']:.2f} s "
              f"({row['tokens_per_step']} tokens, {row['predicted_per_step']} predicted; {phases})")
    print(f"ratio ours/stock: {result['ours']['tokens_per_s'] / result['stock']['tokens_per_s']:.2f}x; "
          f"load {start_load[0]:.1f} -> {load()[0]:.1f}")


if __name__ == "__main__":
    main()
