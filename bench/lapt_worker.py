"""LAPT step throughput: specmlm's masked-only-decoder MLM step against the stock one.

    python bench/lapt_worker.py '<spec json>'

spec: vocab (``mbert`` for the real 119,547-piece cased vocabulary, or an integer: a WordPiece
vocabulary of that size trained here on the same text), hidden, layers, heads, ffn,
batch_size, max_seq_length, warmup, steps, threads.

Both sides start from the same weights (one seeded ``BertForMaskedLM``, deep-copied) and step
through the same sequences in the same order: BERT-style instances of the Maltese text made by
``specmlm.mlm.instances.create_instances`` (packed to ``max_seq_length``). Ours collates those pre-masked
instances (``Instances.batch``) and runs ``specmlm.mlm.pretrain.masked_lm_loss``, which decodes only
the predicted positions; the stock side gets the same sequences unmasked and masks them with
``DataCollatorForLanguageModeling`` (run_mlm.py's collator, 15%), then ``BertForMaskedLM(labels=)``,
which decodes every position. Same optimiser settings on both (``torch.optim.AdamW`` against
specmlm's ``RowTieredAdamW``, HF's update with bias correction on here; no tiered rows), same clipping (1.0). Steps
alternate between the sides so that a change in machine load hits both; each side's first
``warmup`` steps are discarded and the median step time is reported, split into collate,
forward, backward and optimiser (clip + step + zero_grad) phases.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from common import MALTESE_TEXT, MBERT_VOCAB, emit, median

OPTIMIZER = {"lr": 2e-5, "weight_decay": 0.01, "adam_epsilon": 1e-6, "bias_correction": True, "new_rows_lr": None}
PHASES = ("collate", "forward", "backward", "optimizer")


def tokenizer_for(vocab: str | int, lines: list[str]) -> Any:
    from transformers import BertTokenizer, PreTrainedTokenizerFast

    if vocab == "mbert":
        return BertTokenizer(vocab=str(MBERT_VOCAB), do_lower_case=False, strip_accents=False)
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
    wordpiece.train_from_iterator(lines, vocab_size=int(vocab), show_progress=False)
    return PreTrainedTokenizerFast(tokenizer_object=wordpiece._tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def unmasked_features(instances: Any) -> list[dict[str, list[int]]]:
    """The same sequences as ``instances`` with the original pieces put back where they were masked."""
    features = []
    for row, length in enumerate(instances.lengths):
        ids = instances.input_ids[row, :length].astype(np.int64).copy()
        slots = instances.positions[row] >= 0
        ids[instances.positions[row][slots]] = instances.targets[row][slots]
        special = np.zeros(length, dtype=np.int64)
        special[[0, length - 1]] = 1
        features.append({"input_ids": ids.tolist(), "special_tokens_mask": special.tolist()})
    return features


class Clock:
    """Phase times of one step; on a GPU each phase ends with a synchronise."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.times: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        now = time.perf_counter()
        self.times[phase] = now - self.last
        self.last = now


def autocast(device: torch.device) -> torch.autocast:
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def optimizer_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def ours_step(model: Any, optimizer: Any, instances: Any, index: np.ndarray, device: torch.device) -> dict[str, Any]:
    from specmlm.mlm.pretrain import masked_lm_loss

    clock = Clock(device)
    batch = instances.batch(index).to(device)
    clock.lap("collate")
    with autocast(device):
        loss = masked_lm_loss(model, batch)
    clock.lap("forward")
    loss.backward()
    clock.lap("backward")
    optimizer_step(model, optimizer)
    clock.lap("optimizer")
    return {"times": clock.times, "tokens": batch.n_tokens, "predicted": int(batch.positions.numel()),
            "shape": list(batch.input_ids.shape)}


def stock_step(model: Any, optimizer: Any, collator: Any, features: list[dict[str, list[int]]], index: np.ndarray,
               device: torch.device) -> dict[str, Any]:
    clock = Clock(device)
    batch = {k: v.to(device) for k, v in collator([features[i] for i in index]).items()}
    clock.lap("collate")
    with autocast(device):
        loss = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
    clock.lap("forward")
    loss.backward()
    clock.lap("backward")
    optimizer_step(model, optimizer)
    clock.lap("optimizer")
    return {"times": clock.times, "tokens": int(batch["attention_mask"].sum()),
            "predicted": int((batch["labels"] != -100).sum()), "shape": list(batch["input_ids"].shape)}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the measured steps: each phase, the whole step, tokens/s from the medians."""
    phases = {phase: median([r["times"][phase] for r in records]) for phase in PHASES}
    steps = [sum(r["times"].values()) for r in records]
    tokens = median([r["tokens"] for r in records])
    return {"step_s": median(steps), "phases_s": phases, "tokens_per_step": tokens,
            "tokens_per_s": tokens / median(steps), "predicted_per_step": median([r["predicted"] for r in records]),
            "steps": len(records), "step_s_all": steps}


def compare(model: Any, tokenizer: Any, documents: list[list[str]], spec: dict[str, Any],
            device: torch.device) -> dict[str, Any]:
    """Alternate ours and the stock step over the same batches; medians after warm-up."""
    from transformers import DataCollatorForLanguageModeling

    from specmlm.mlm.instances import InstanceSettings, Specials, create_instances, tokenize_documents
    from specmlm.mlm.pretrain import build_optimizer

    settings = InstanceSettings(max_seq_length=spec["max_seq_length"], max_predictions_per_seq=20, dupe_factor=1)
    instances = create_instances(tokenize_documents(tokenizer, documents), Specials.of(tokenizer), settings)
    features = unmasked_features(instances)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0)
    ours_model = model.to(device).train()
    stock_model = copy.deepcopy(ours_model).train()
    ours_optimizer = build_optimizer(ours_model, OPTIMIZER, [])
    stock_optimizer = torch.optim.AdamW(
        [{"params": group["params"], "weight_decay": group["weight_decay"]}
         for group in build_optimizer(stock_model, OPTIMIZER, []).param_groups],
        lr=OPTIMIZER["lr"], betas=(0.9, 0.999), eps=OPTIMIZER["adam_epsilon"])
    order = torch.randperm(len(instances), generator=torch.Generator().manual_seed(0)).numpy()
    size = spec["batch_size"]
    sides: dict[str, Callable[[np.ndarray], dict[str, Any]]] = {
        "ours": lambda index: ours_step(ours_model, ours_optimizer, instances, index, device),
        "stock": lambda index: stock_step(stock_model, stock_optimizer, collator, features, index, device),
    }
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    for step in range(spec["warmup"] + spec["steps"]):
        index = order[(step * size) % (len(order) - size):][:size]
        for name, run in sides.items():
            record = run(index)
            if step >= spec["warmup"]:
                records[name].append(record)
    return {"sequences": len(instances), "vocab_size": len(tokenizer),
            **{name: summarise(rows) for name, rows in records.items()}}


def main(spec: dict[str, Any]) -> dict[str, Any]:
    from transformers import BertConfig, BertForMaskedLM

    from specmlm.formats.text import read_documents

    torch.set_num_threads(spec["threads"])
    documents = read_documents(MALTESE_TEXT)
    tokenizer = tokenizer_for(spec["vocab"], [line for document in documents for line in document])
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=spec["hidden"], num_hidden_layers=spec["layers"],
                        num_attention_heads=spec["heads"], intermediate_size=spec["ffn"],
                        max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    result = compare(BertForMaskedLM(config), tokenizer, documents, spec, torch.device("cpu"))
    return {**result, "ratio": result["ours"]["tokens_per_s"] / result["stock"]["tokens_per_s"],
            "threads": torch.get_num_threads()}


if __name__ == "__main__":
    emit(main(json.loads(sys.argv[1])))
