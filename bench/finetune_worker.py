"""One side of the fine-tuning comparison, alone in its process (so its peak RSS is its own).

    python bench/finetune_worker.py {ours|baseline} '<spec json>'

spec: task (``pos`` or ``ner``), model (directory), view (prepared view directory), batch_size,
threads, warmup_batches, repeats, work (scratch directory). Both sides:

- first run a warm-up on the first ``warmup_batches`` training batches and one dev batch
  (allocator, kernels, tokenizer caches), then ``repeats`` measured runs, each two training
  epochs over the whole view (a fresh optimiser each time) and a pass over its dev split;
- time the second epoch: a run of the study trains tens of epochs, and the first step of a
  fresh optimiser allocates and first touches Adam's moments (two copies of the model, about
  1 GB for e5-small), which cost 1.3-2.7 s here on either optimiser, a one-off per run that
  dominates a three-step epoch;
- report training and evaluation wall time and the words and wordpieces they covered, counted
  the same way (the gold words; the tokenizer's pieces of them, without special tokens), the
  epoch's CPU time (all threads; less sensitive than wall time to other jobs on the machine)
  and its wall time split into phases (``Phases``).

ours = ``specmlm.finetune.run_finetune`` (max_epochs 2, no frozen epoch, so the whole encoder
trains as in every later epoch of the study); its dev evaluation (prediction + scoring) is timed
by its own ``metrics.json`` throughput. The baseline = a plain
``transformers`` ``Trainer`` with ``AutoModelForTokenClassification`` and
``DataCollatorForTokenClassification`` (first-piece labels, the rest -100, truncation at 512),
its epoch timed by a callback and its evaluation as ``Trainer.predict`` + argmax + accuracy.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch

from common import emit

MAX_LENGTH = 512


class Phases:
    """Wall time per training phase, summed over the measured epoch only.

    Methods are wrapped at class level with a timer that only reads the clock, so the code under
    test runs unchanged; ``other`` is the epoch minus the phases (batch loop, zero_grad, loss
    bookkeeping, Trainer callbacks). Nested wrapped calls are not expected in these loops.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.active = False

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        original = getattr(owner, name)
        phases = self

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not phases.active:
                return original(*args, **kwargs)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases.seconds[phase] += time.perf_counter() - start

        setattr(owner, name, timed)

    def common(self) -> None:
        self.wrap(torch.Tensor, "backward", "backward")
        self.wrap(torch.nn.utils, "clip_grad_norm_", "clip")

    def report(self, epoch_s: float) -> dict[str, float]:
        return {**self.seconds, "other": epoch_s - sum(self.seconds.values())}


def read_view(task: str, view: Path, split: str) -> tuple[list[list[str]], list[list[str]]]:
    """Words and gold labels of a split, read as a fine-tuning run reads them (XPOS for pos, IOB2 for ner)."""
    from specmlm.finetune import prepared_files
    from specmlm.tasks.registry import TASKS

    read = TASKS[task].read(getattr(prepared_files(view, task), split), {"pos_column": "xpos"})
    return read.words, read.gold


def counts(model: str, words: list[list[str]]) -> dict[str, int]:
    """Words and wordpieces (the model tokenizer's pieces of the gold words, no specials)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    pieces = tokenizer(words, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    return {"sentences": len(words), "words": sum(map(len, words)), "pieces": sum(map(len, pieces))}


def ours(spec: dict[str, Any]) -> dict[str, Any]:
    import specmlm.finetune as finetune_module
    from specmlm.finetune import TrainingLoop, prepared_files, run_finetune
    from specmlm.tasks.crf import CrfTagger
    from specmlm.tasks.encoder import TransformerEncoder
    from specmlm.tasks.optimizer import AdamW
    from specmlm.tasks.task import TagTask
    from specmlm.tasks.tagger import LinearTagger

    phases = Phases()
    phases.common()
    for owner, name, phase in ((TransformerEncoder, "collate", "collate"), (TagTask, "collate", "collate"),
                               (TransformerEncoder, "forward", "forward"),
                               (LinearTagger, "loss", "forward (head loss)"),
                               (CrfTagger, "loss", "forward (head loss)"), (AdamW, "step", "optimizer")):
        phases.wrap(owner, name, phase)
    epochs: list[tuple[float, float]] = []
    train_epoch = TrainingLoop.train_epoch

    def measured_epoch(self: Any, data: Any, frozen: bool) -> float:
        phases.seconds.clear()
        phases.active = True
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return train_epoch(self, data, frozen)
        finally:
            epochs.append((time.perf_counter() - start, time.process_time() - cpu))
            phases.active = False

    TrainingLoop.train_epoch = measured_epoch
    outside = Phases()  # what the run spends outside the measured epoch and evaluation
    outside.active = True
    outside.wrap(finetune_module, "save", "checkpoint writes")
    outside.wrap(TrainingLoop, "write_and_score", "restore the best weights, predict dev+test, write, score")
    work = Path(spec["work"])
    settings = {"max_epochs": 2, "patience": 2, "freeze_encoder_epochs": 0, "batch_size": spec["batch_size"],
                "threads": spec["threads"]}
    warm = {**settings, "max_train_sentences": spec["warmup_batches"] * spec["batch_size"],
            "max_eval_sentences": spec["batch_size"]}
    files = prepared_files(spec["view"], spec["task"])
    run_finetune(spec["task"], "transformer", spec["model"], files, work / "warm", work / "warm-ckpt", warm)
    train_words, _ = read_view(spec["task"], Path(spec["view"]), "train")
    dev_words, _ = read_view(spec["task"], Path(spec["view"]), "dev")
    train, dev = counts(spec["model"], train_words), counts(spec["model"], dev_words)
    runs = []
    for repeat in range(spec["repeats"]):
        outside.seconds.clear()
        start = time.perf_counter()
        metrics = run_finetune(spec["task"], "transformer", spec["model"], files, work / f"run{repeat}",
                               work / f"run{repeat}-ckpt", settings)
        total = time.perf_counter() - start
        throughput = metrics["throughput"]
        runs.append({"train_s": epochs[-1][0],
                     "eval_s": dev["words"] / throughput["eval_words_per_s"], "run_s": total,
                     "train_cpu_s": epochs[-1][1], "phases_s": phases.report(epochs[-1][0]),
                     "outside_s": dict(outside.seconds)})
    return {"train": train, "dev": dev, "runs": runs, "threads": throughput["threads"],
            "dev_score": metrics["dev"][metrics["metric"]]}


def encode(tokenizer: Any, words: list[list[str]], tags: list[list[str]],
           index: dict[str, int]) -> list[dict[str, Any]]:
    """The token-classification recipe: label the first piece of each word, -100 elsewhere."""
    encoded = tokenizer(words, is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)
    rows = []
    for row, sentence_tags in enumerate(tags):
        labels, previous = [], None
        for word in encoded.word_ids(row):
            labels.append(-100 if word is None or word == previous else index[sentence_tags[word]])
            previous = word
        rows.append({"input_ids": encoded["input_ids"][row], "attention_mask": encoded["attention_mask"][row],
                     "labels": labels})
    return rows


def baseline(spec: dict[str, Any]) -> dict[str, Any]:
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                              Trainer, TrainerCallback, TrainingArguments)

    phases = Phases()
    phases.common()
    phases.wrap(DataCollatorForTokenClassification, "__call__", "collate")
    phases.wrap(torch.optim.AdamW, "step", "optimizer")

    class EpochTimer(TrainerCallback):
        seconds = cpu_seconds = 0.0

        def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            phases.seconds.clear()  # the last epoch's phases, as for ours
            phases.active = True
            self.start, self.cpu = time.perf_counter(), time.process_time()

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.seconds = time.perf_counter() - self.start  # the last epoch
            self.cpu_seconds = time.process_time() - self.cpu
            phases.active = False

    torch.set_num_threads(spec["threads"])
    view, task, size = Path(spec["view"]), spec["task"], spec["batch_size"]
    train_words, train_tags = read_view(task, view, "train")
    dev_words, dev_tags = read_view(task, view, "dev")
    if task == "ner":
        from specmlm.tasks.registry import TASKS
        from specmlm.tasks.task import Split

        labels = TASKS["ner"].labels([Split(view, train_words, train_tags, [])])
    else:
        labels = sorted({tag for tags in train_tags for tag in tags})
    index = {label: i for i, label in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(spec["model"])
    train = encode(tokenizer, train_words, train_tags, index)
    dev = encode(tokenizer, dev_words, [[t if t in index else labels[0] for t in tags] for tags in dev_tags], index)
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(spec["model"], num_labels=len(labels))
    phases.wrap(type(model), "forward", "forward")
    args = TrainingArguments(output_dir=str(Path(spec["work"]) / "trainer"), per_device_train_batch_size=size,
                             per_device_eval_batch_size=size, num_train_epochs=2, learning_rate=5e-5,
                             weight_decay=0.01, eval_strategy="no", save_strategy="no", logging_strategy="no",
                             report_to="none", use_cpu=True, disable_tqdm=True, seed=0, dataloader_num_workers=0)
    collator = DataCollatorForTokenClassification(tokenizer)
    warm = Trainer(model=model, args=args, train_dataset=train[: spec["warmup_batches"] * size], data_collator=collator)
    warm.train()
    warm.predict(dev[:size])
    runs = []
    for _ in range(spec["repeats"]):
        timer = EpochTimer()
        trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=collator, callbacks=[timer])
        start = time.perf_counter()
        trainer.train()
        start_eval = time.perf_counter()
        output = trainer.predict(dev)
        predicted = output.predictions.argmax(-1)
        gold = output.label_ids
        accuracy = float((predicted[gold != -100] == gold[gold != -100]).mean())
        end = time.perf_counter()
        runs.append({"train_s": timer.seconds, "eval_s": end - start_eval, "run_s": end - start,
                     "train_cpu_s": timer.cpu_seconds, "phases_s": phases.report(timer.seconds), "outside_s": {}})
        phases.seconds.clear()
    return {"train": counts(spec["model"], train_words), "dev": counts(spec["model"], dev_words), "runs": runs,
            "threads": torch.get_num_threads(), "dev_score": accuracy, "optimizer": args.optim}


SIDES = {"ours": ours, "baseline": baseline}

if __name__ == "__main__":
    side, spec = sys.argv[1], json.loads(sys.argv[2])
    shutil.rmtree(spec["work"], ignore_errors=True)
    emit(SIDES[side](spec))
