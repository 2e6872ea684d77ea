"""Fine-tune one encoder on one task for one view and seed set, then score the written predictions.

The trainer follows the paper (§7.3): AdamW over four parameter groups at constant rates, the
transformer frozen for the first epoch, gradient-norm clipping, early stopping on the dev
metric (POS accuracy, LAS, span F1), and the best dev epoch evaluated on test. Batches are
length-sorted buckets in shuffled order with dynamic padding; on CUDA the forward pass runs
under bf16 autocast.

A run is resumable: at the end of an epoch, once ``checkpoint_every_s`` seconds have passed
since the last checkpoint (0: every epoch), the model, the optimiser, every RNG, the best
weights so far and the patience counter go to ``ckpt_dir`` (kept outside ``out_dir``, which
Snakemake wipes before a rerun). A killed run restarts after its last checkpointed epoch and
ends with the same numbers as an uninterrupted one; ``ckpt_dir`` is removed on success. The
best weights live in memory between checkpoints: a checkpoint of mBERT and its optimiser is
2 GB, which a short epoch should not pay every time.

Outputs in ``out_dir``: ``{dev,test}.conllu`` (UD and POS: the gold file with HEAD/DEPREL or
the POS column replaced) or ``{dev,test}.tsv`` (NER: ``token<TAB>predicted tag``, the gold
file's layout, blank line after each sentence), and ``metrics.json``, whose scores come from
scoring those files. Scores are fractions in [0, 1]. With ``max_eval_sentences`` (demo runs)
only the first sentences are predicted, and the gold they are scored against is written
beside them as ``{dev,test}.gold.*``, so every score can still be recomputed from files.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from specmlm.atomic import write_json
from specmlm.errors import ConfigError
from specmlm.runtime import (
    autocast,
    choose_device,
    fingerprint,
    load,
    restore_rng_state,
    rng_state,
    save,
    set_threads,
    to_device,
)
from specmlm.settings import FinetuneSettings
from specmlm.tasks.optimizer import AdamW, clip_grad_norm, parameter_groups
from specmlm.tasks.registry import ENCODERS, TASKS
from specmlm.tasks.task import Split, Task

log = logging.getLogger(__name__)

CHECKPOINT = "last.pt"
LENGTH_NOISE = 0.1  # AllenNLP's bucket padding noise: similar, not identical, lengths per batch


class TaskModel(nn.Module):
    """An encoder and a head: the one module whose state a checkpoint holds."""

    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head


@dataclass
class Data:
    """A split prepared for the model: encoder inputs once, gold ids for training."""

    split: Split
    inputs: list[Any]
    lengths: np.ndarray
    gold: list[Any] = field(default_factory=list)


@dataclass
class Progress:
    """Everything besides weights that a resumed run needs to continue exactly."""

    epoch: int = 0
    best: float = float("-inf")
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    train_words: int = 0
    train_seconds: float = 0.0
    eval_words: int = 0
    eval_seconds: float = 0.0


def bucket_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Length-sorted batches; with ``rng``, noisy lengths and a shuffled batch order."""
    keys = lengths * rng.uniform(1 - LENGTH_NOISE, 1 + LENGTH_NOISE, len(lengths)) if rng else lengths
    order = np.argsort(keys, kind="stable")
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if rng:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def checkpoint_key(task: str, model_dir: Path, files: ViewFiles, settings: FinetuneSettings) -> str:
    """What a checkpoint must match to be resumed: the run's inputs and settings."""
    return fingerprint({"task": task, "model_dir": str(model_dir.resolve()),
                        "files": [str(path.resolve()) for path in astuple(files)], "settings": settings.numbers()})


class TrainingLoop:
    """The training loop of one run: epochs, early stopping, checkpoints, and the final scoring."""

    def __init__(self, spec: Task, model: TaskModel, optimizer: AdamW, labels: list[str], settings: FinetuneSettings,
                 seeds: dict[str, int], device: torch.device, ckpt_dir: Path, key: str,
                 batch_rng: np.random.Generator) -> None:
        self.spec, self.model, self.optimizer, self.labels = spec, model, optimizer, labels
        self.settings, self.seeds, self.device, self.ckpt_dir, self.key = settings, seeds, device, ckpt_dir, key
        self.batch_rng = batch_rng
        self.best_state: dict[str, torch.Tensor] = {}
        pretrained = model.encoder.pretrained_module()
        self.pretrained = list(pretrained.parameters()) if pretrained is not None else []

    def resume(self) -> Progress:
        """Continue after the last completed epoch of a killed run, or start afresh."""
        state = load(self.ckpt_dir / CHECKPOINT, self.key)
        if state is None:
            return Progress()
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.best_state = state["best"]
        restore_rng_state(state["rng"], self.batch_rng)
        progress = Progress(**state["progress"])
        log.info("resumed after epoch %d (best %.4f at epoch %d)", progress.epoch, progress.best, progress.best_epoch)
        return progress

    def _checkpoint(self, progress: Progress) -> None:
        save(self.ckpt_dir / CHECKPOINT, {"fingerprint": self.key, "progress": asdict(progress),
                                          "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                                          "best": self.best_state,
                                          "rng": rng_state(self.batch_rng)})

    def _batches(self, data: Data, rng: np.random.Generator | None) -> list[np.ndarray]:
        return bucket_batches(data.lengths, self.settings["batch_size"], rng)

    def train_epoch(self, data: Data, frozen: bool) -> float:
        """One pass over the shuffled length buckets; the transformer gets no gradient while frozen."""
        for param in self.pretrained:
            param.requires_grad_(not frozen)
        self.model.train()
        total, count = 0.0, 0
        params = [p for p in self.model.parameters() if p.requires_grad]
        for batch in self._batches(data, self.batch_rng):
            inputs = to_device(self.model.encoder.collate([data.inputs[i] for i in batch]), self.device)
            gold = to_device(self.spec.collate([data.gold[i] for i in batch]), self.device)
            with autocast(self.device):
                vectors, mask = self.model.encoder(**inputs)
                loss = self.model.head.loss(vectors.float(), mask, gold)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip_grad_norm(params, self.settings["grad_clip"])
            self.optimizer.step()
            total += float(loss.detach()) * len(batch)
            count += len(batch)
        return total / max(count, 1)

    @torch.no_grad()
    def predict(self, data: Data) -> list[Any]:
        """Label strings per sentence, in file order. Layer dropout may stay on at evaluation
        (as released); its RNG is re-seeded for every evaluation so a score can be reproduced."""
        self.model.eval()
        predictions: list[Any] = [None] * len(data.inputs)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seeds["torch"])
            for batch in self._batches(data, None):
                inputs = to_device(self.model.encoder.collate([data.inputs[i] for i in batch]), self.device)
                with autocast(self.device):
                    vectors, mask = self.model.encoder(**inputs)
                for index, decoded in zip(batch, self.model.head.decode(vectors.float(), mask), strict=True):
                    predictions[index] = self.spec.to_strings(decoded, self.labels)
        return predictions

    def _evaluate(self, data: Data, progress: Progress) -> float:
        start = time.perf_counter()
        score = float(self.spec.score(data.split, self.predict(data))[self.spec.metric])
        progress.eval_seconds += time.perf_counter() - start
        progress.eval_words += data.split.num_words
        return score

    def fit(self, train: Data, dev: Data, progress: Progress, description: str) -> Progress:
        """Train until ``max_epochs`` or ``patience`` epochs without a better dev score."""
        settings = self.settings
        self.ckpt_dir.mkdir(parents=True, exist_ok=True)
        bar = tqdm(total=settings["max_epochs"], initial=progress.epoch, desc=description, unit="epoch",
                   disable=None, dynamic_ncols=True)
        last_checkpoint = time.monotonic()
        while progress.epoch < settings["max_epochs"] and progress.bad_epochs < settings["patience"]:
            epoch = progress.epoch + 1
            start = time.perf_counter()
            loss = self.train_epoch(train, frozen=epoch <= settings["freeze_encoder_epochs"])
            progress.train_seconds += time.perf_counter() - start
            progress.train_words += train.split.num_words
            score = self._evaluate(dev, progress)
            progress.epoch = epoch
            progress.history.append({"epoch": epoch, "train_loss": loss, f"dev_{self.spec.metric}": score})
            if score > progress.best:
                progress.best, progress.best_epoch, progress.bad_epochs = score, epoch, 0
                self.best_state = {name: value.detach().to("cpu", copy=True)
                                   for name, value in self.model.state_dict().items()}
            else:
                progress.bad_epochs += 1
            if time.monotonic() - last_checkpoint >= settings["checkpoint_every_s"]:
                self._checkpoint(progress)
                last_checkpoint = time.monotonic()
            log.info("epoch %d: train loss %.4f, dev %s %.4f (best %.4f at epoch %d)",
                     epoch, loss, self.spec.metric, score, progress.best, progress.best_epoch)
            bar.set_postfix({f"dev_{self.spec.metric}": f"{score:.4f}", "best": f"{progress.best:.4f}"})
            bar.update(1)
        bar.close()
        return progress

    def write_and_score(self, splits: dict[str, Data], out_dir: Path) -> dict[str, dict[str, Any]]:
        """Predict with the best epoch's weights, write the files, and score the written files."""
        self.model.load_state_dict(self.best_state)
        ext = self.spec.extension
        results: dict[str, dict[str, Any]] = {}
        for name, data in splits.items():
            predicted = out_dir / f"{name}.{ext}"
            self.spec.write(data.split, self.predict(data), predicted, self.settings)
            gold = data.split.path
            if not data.split.complete:
                gold = out_dir / f"{name}.gold.{ext}"
                self.spec.write_gold(data.split, gold)
            results[name] = {**self.spec.score_files(gold, predicted, self.settings), "gold_file": str(gold)}
        return results


@dataclass(frozen=True)
class ViewFiles:
    """The prepared train, dev and test files of the view a run is evaluated on (in a study:
    the files its rule declared)."""

    train: Path
    dev: Path
    test: Path


def prepared_files(view_dir: str | Path, task: str) -> ViewFiles:
    """A prepared view's files of a task, for a run outside a study (a test, the bench)."""
    spec = TASKS[task]
    return ViewFiles(*(Path(view_dir) / spec.folder / f"{split}.{spec.extension}" for split in ("train", "dev", "test")))


def read_splits(task: Task, files: ViewFiles, settings: FinetuneSettings) -> tuple[Split, Split, Split]:
    """Training data, dev and test of a run.

    In-language: the view's own splits. Transfer: ``train_files`` (concatenated, cut to
    ``max_train_sentences``), then the evaluated view's first ``shots`` train sentences
    (few-shot); the epoch is picked on ``dev_file`` (the source's, as a zero-shot run has no
    target data to pick with) and the view's test split is scored.
    """
    train_files = [Path(f) for f in settings["train_files"]] if settings["train_files"] else [files.train]
    parts = [task.read(file, settings, written=False) for file in train_files]
    source = Split(
        parts[0].path,
        [w for part in parts for w in part.words],
        [g for part in parts for g in part.gold],
        [s for part in parts for s in part.source],
    ).first(settings["max_train_sentences"])
    if settings["shots"]:
        shots = task.read(files.train, settings, written=False).first(settings["shots"])
        source = Split(source.path, source.words + shots.words, source.gold + shots.gold, source.source + shots.source)
    limit = settings["max_eval_sentences"]
    dev_file = Path(settings["dev_file"]) if settings["dev_file"] else files.dev
    return source, task.read(dev_file, settings).first(limit), task.read(files.test, settings).first(limit)


def run_finetune(
    task: str,
    encoder_name: str,
    model_dir: str | Path,
    files: ViewFiles,
    out_dir: str | Path,
    ckpt_dir: str | Path,
    settings: Mapping[str, Any],
    identity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, early-stop on dev, evaluate the best epoch on dev and test, write ``out_dir``.

    ``task`` is ``pos``, ``ud`` or ``ner``; ``encoder_name`` the encoder that reads ``model_dir``
    (the variant kind's: ``transformer`` for a transformers model directory, ``fasttext`` for a
    fastText one); ``files`` the evaluated view's prepared files; ``identity`` the run's identity
    in its study (``identity.run_identity``), recorded in ``metrics.json`` for the tables (None
    for a run outside a study: a test, the bench). Returns what ``metrics.json`` holds.
    """
    if task not in TASKS:
        raise ConfigError("task", f"expected one of {sorted(TASKS)}, found {task!r}")
    if identity is not None and identity.get("task") != task:
        raise ConfigError("task", f"the run identity {dict(identity)} is not a {task} run")
    if encoder_name not in ENCODERS:
        raise ConfigError("encoder", f"expected one of {sorted(ENCODERS)}, found {encoder_name!r}")
    spec = TASKS[task]
    model_dir, out_dir, ckpt_dir = Path(model_dir), Path(out_dir), Path(ckpt_dir)
    kind = ENCODERS[encoder_name]
    kind.check(model_dir)
    settings = FinetuneSettings.of(settings, kind.defaults(model_dir))
    seeds = dict(settings["seed_set"])
    set_threads(settings["threads"])
    device = choose_device()

    started = time.perf_counter()
    train, dev, test = read_splits(spec, files, settings)
    log.info("read %d / %d / %d train / dev / test sentences in %.1f s",
             len(train.words), len(dev.words), len(test.words), time.perf_counter() - started)
    labels = spec.labels([train])
    index = {label: i for i, label in enumerate(labels)}

    random.seed(seeds["python"])
    np.random.seed(seeds["numpy"])
    torch.manual_seed(seeds["torch"])
    encoder = kind.build(model_dir, task, train.words, settings)
    log.info("%s encoder from %s built in %.1f s", kind.name, model_dir, time.perf_counter() - started)

    def prepare(split: Split, with_gold: bool) -> Data:
        inputs = encoder.prepare(split.words)
        lengths = np.array([encoder.length(item) for item in inputs], dtype=np.float64)
        gold = [spec.encode(g, index) for g in split.gold] if with_gold else []
        return Data(split, inputs, lengths, gold)

    dev_data, train_data, test_data = prepare(dev, False), prepare(train, True), prepare(test, False)
    encoder.narrow([*train_data.inputs, *dev_data.inputs, *test_data.inputs])
    log.info("tokenized, %.1f s after the start", time.perf_counter() - started)
    model = TaskModel(encoder, spec.head(encoder.output_dim, labels)).to(device)
    optimizer = AdamW(parameter_groups(model, encoder.pretrained_module(), settings),
                      correct_bias=settings["bias_correction"])
    run = TrainingLoop(spec, model, optimizer, labels, settings, seeds, device, ckpt_dir,
              checkpoint_key(task, model_dir, files, settings), np.random.default_rng(seeds["numpy"]))
    progress = run.fit(train_data, dev_data, run.resume(), f"{task} {files.test}")
    log.info("trained, %.1f s after the start", time.perf_counter() - started)
    results = run.write_and_score({"dev": dev_data, "test": test_data}, out_dir)
    metrics = {
        "run": None if identity is None else dict(identity),
        "task": task,
        "metric": spec.metric,
        "dev": results["dev"],
        "test": results["test"],
        "best_epoch": progress.best_epoch,
        "epochs_run": progress.epoch,
        "seeds": seeds,
        "encoder": kind.name,
        "labels": len(labels),
        "train_sentences": len(train.words),
        "history": progress.history,
        "settings": dict(settings),
        "throughput": {
            "train_words_per_s": progress.train_words / max(progress.train_seconds, 1e-9),
            "eval_words_per_s": progress.eval_words / max(progress.eval_seconds, 1e-9),
            "device": str(device),
            "threads": torch.get_num_threads(),
        },
    }
    write_json(out_dir / "metrics.json", metrics)
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    log.info("scored and written, %.1f s after the start", time.perf_counter() - started)
    return metrics
