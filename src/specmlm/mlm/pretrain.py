"""Masked-LM training shared by LAPT, VA + LAPT, the from-scratch RoBERTa and the tiny base model.

One loop serves every model, so the variants of the study differ only in where they start and
in their settings (PAPER §5.2, §5.4, §5.5). What the loop guarantees:

- The MLM decoder runs only at the predicted positions. A stock ``*ForMaskedLM`` projects every
  position onto the whole vocabulary (119,547 rows for mBERT) and discards ~85% of it.
- A checkpoint (model, optimiser, schedule, RNG) after every epoch, in a directory outside the
  declared output (Snakemake wipes outputs before a rerun). A killed run started again with the
  same arguments resumes from the last finished epoch and ends with the weights and losses of an
  uninterrupted run; a checkpoint left by different inputs or settings is discarded.
- The held-out loss after every epoch selects the epoch that is saved (best, or last).

Settings: ``specmlm.settings`` (``LaptSettings``, ``ScratchSettings``, ``TinyBaseSettings``), a
mapping or one of those; an unknown key or a bad value is a ``ConfigError`` naming the key.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tokenizers import ByteLevelBPETokenizer
from tqdm import tqdm
from transformers import (
    AutoConfig,
    AutoModelForMaskedLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaTokenizerFast,
    get_linear_schedule_with_warmup,
)

from specmlm.atomic import staged_directory, write_json
from specmlm.errors import InputError
from specmlm.formats.text import Document, read_documents, read_lines
from specmlm.mlm.instances import (
    Batch,
    Instances,
    InstanceSettings,
    Lines,
    Specials,
    create_instances,
    eval_batches,
    tokenize_documents,
)
from specmlm.runtime import autocast, choose_device, fingerprint, load, restore_rng_state, rng_state, save, set_threads
from specmlm.settings import LaptSettings, MlmSettings, ScratchSettings
from specmlm.tasks.optimizer import AdamW

LOG = logging.getLogger(__name__)

SCRATCH_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")

MLM_HEADS = {"bert": "cls", "roberta": "lm_head", "xlm-roberta": "lm_head", "camembert": "lm_head"}
"""Attribute of a ``*ForMaskedLM`` holding the transform + tied decoder, by ``model_type``."""

SELECTIONS: dict[str, Callable[[Mapping[int, float]], int]] = {
    "best": lambda losses: min(losses, key=lambda epoch: (losses[epoch], epoch)),
    "last": max,
}

_NO_DECAY = ("bias", "LayerNorm", "layer_norm")


def _bert_instances(tokenizer: PreTrainedTokenizerBase, text: Text, settings: Mapping[str, Any]) -> Instances:
    instance_settings = InstanceSettings(**{field.name: settings[field.name] for field in fields(InstanceSettings)})
    return create_instances(tokenize_documents(tokenizer, text.documents), Specials.of(tokenizer), instance_settings)


def _lines(tokenizer: PreTrainedTokenizerBase, text: Text, settings: Mapping[str, Any]) -> Lines:
    return Lines.of(tokenizer, text.lines(), settings["max_seq_length"], settings["masked_lm_prob"], settings["seed"])


TRAINING_DATA: dict[str, Callable[[PreTrainedTokenizerBase, Any, Mapping[str, Any]], Instances | Lines]] = {
    "bert": _bert_instances,
    "line_by_line": _lines,
}
"""How the train split becomes training sequences, by the ``instances`` setting."""


@dataclass(frozen=True)
class Text:
    """Documents of BERT-format text and where they came from (for error messages)."""

    source: str
    documents: list[Document]

    @classmethod
    def read(cls, path: str | Path) -> Text:
        return cls(str(path), read_documents(path))

    def lines(self) -> list[str]:
        return [line for document in self.documents for line in document]


def mlm_head(model: PreTrainedModel) -> torch.nn.Module:
    """The transform + tied decoder of a ``*ForMaskedLM``; it maps hidden states of any shape."""
    return getattr(model, MLM_HEADS[model.config.model_type])


def masked_lm_loss(model: PreTrainedModel, batch: Batch) -> torch.Tensor:
    """Mean cross-entropy over the predicted positions, decoding those positions only."""
    hidden = model.base_model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    picked = hidden.reshape(-1, hidden.shape[-1]).index_select(0, batch.positions)
    return F.cross_entropy(mlm_head(model)(picked).float(), batch.targets)


def evaluate(model: PreTrainedModel, batches: Sequence[Batch]) -> float:
    """Held-out loss as the HF ``Trainer`` reports it: batch means weighted by batch size.

    A batch without predictions (all lines too short to draw one) is skipped rather than
    turning the mean into NaN.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, weight = 0.0, 0
    with torch.inference_mode(), autocast(device):
        for batch in batches:
            if batch.positions.numel():
                size = batch.input_ids.shape[0]
                total += masked_lm_loss(model, batch.to(device)).item() * size
                weight += size
    model.train(was_training)
    return total / weight


class RowTieredAdamW(AdamW):
    """HF's AdamW (``specmlm.tasks.optimizer``) in which chosen rows of one matrix take their own rate.

    This is the "true tiered VA" of PAPER §5.5: the new wordpiece rows at ``ratio`` times the
    learning rate (1e-4 against 2e-5), with the same schedule and weight decay. AdamW steps every
    parameter as usual; then the chosen rows are recomputed from their values before the step
    and AdamW's fresh moments with the higher rate, exactly AdamW's update (its moments do not
    depend on the rate). The cost is a few rows, and the state saves and loads as AdamW's.
    Scaling gradients would not do: Adam is invariant to gradient scale.
    """

    def __init__(self, params: Any, *, tiered: torch.nn.Parameter, rows: Sequence[int], ratio: float,
                 **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self.tiered = tiered
        self.rows = torch.as_tensor(list(rows), dtype=torch.long, device=tiered.device)
        self.ratio = ratio
        # by index: load_state_dict replaces the group dicts that the schedule then updates
        self.tiered_group = next(i for i, group in enumerate(self.param_groups) if any(p is tiered for p in group["params"]))

    @torch.no_grad()
    def step(self, closure: None = None) -> None:
        stepped = self.tiered.grad is not None
        before = self.tiered.index_select(0, self.rows)
        super().step(closure)
        if stepped:
            group, state = self.param_groups[self.tiered_group], self.state[self.tiered]
            beta1, beta2 = group["betas"]
            step = state["step"]
            lr = group["lr"] * self.ratio
            correction = math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step) if group["correct_bias"] else 1.0
            moment = state["exp_avg"].index_select(0, self.rows)
            denominator = state["exp_avg_sq"].index_select(0, self.rows).sqrt_().add_(group["eps"])
            before.addcdiv_(moment, denominator, value=-lr * correction)
            before.mul_(1 - lr * group["weight_decay"])
            self.tiered.index_copy_(0, self.rows, before)


def build_optimizer(model: PreTrainedModel, settings: Mapping[str, Any], rows: Sequence[int]) -> RowTieredAdamW:
    """BERT's optimiser: no weight decay on biases and LayerNorm; ``rows`` of the (tied) word
    embeddings at ``new_rows_lr``."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (no_decay if any(part in name for part in _NO_DECAY) else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": settings["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    ratio = (settings.get("new_rows_lr") or settings["lr"]) / settings["lr"]
    return RowTieredAdamW(groups, lr=settings["lr"], betas=(0.9, 0.999), eps=settings["adam_epsilon"],
                          correct_bias=settings["bias_correction"], tiered=model.get_input_embeddings().weight,
                          rows=rows, ratio=ratio)


def read_rows(path: str | Path, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Vocabulary ids of the pieces listed in ``path``, one a line (VA's ``added_pieces.txt``)."""
    vocab = tokenizer.get_vocab()
    rows = set()
    for number, line in enumerate(read_lines(path), start=1):
        piece = line.strip()
        if not piece:
            continue
        if piece not in vocab:
            raise InputError(path, number, f"expected a piece of the model's vocabulary, got {piece!r}")
        rows.add(vocab[piece])
    return sorted(rows)


def load_masked_lm(model_dir: str | Path, seed: int) -> PreTrainedModel:
    """Load ``model_dir`` with an MLM head; a bare encoder gets a fresh, seeded transform and
    bias over its tied word embeddings."""
    model_type = AutoConfig.from_pretrained(model_dir).model_type
    if model_type not in MLM_HEADS:
        raise InputError(Path(model_dir) / "config.json", None,
                         f"model_type {model_type!r} has no supported MLM head; expected one of {', '.join(MLM_HEADS)}")
    torch.manual_seed(seed)
    model, info = AutoModelForMaskedLM.from_pretrained(model_dir, dtype=torch.float32, output_loading_info=True)
    if info["missing_keys"]:
        LOG.info("%s: initialised %s fresh (seed %d)", model_dir, ", ".join(sorted(info["missing_keys"])), seed)
    return model


def train_bytelevel_bpe(lines: Sequence[str], vocab_size: int, min_frequency: int) -> RobertaTokenizerFast:
    """PAPER §5.2's tokeniser: byte-level BPE on the train split, RoBERTa's specials."""
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=vocab_size, min_frequency=min_frequency,
                            special_tokens=list(SCRATCH_SPECIALS), show_progress=False)
    merges = json.loads(bpe.to_str())["model"]["merges"]
    return RobertaTokenizerFast(vocab=bpe.get_vocab(), merges=[tuple(merge) for merge in merges], model_max_length=512)


def run_lapt(model_dir: str | Path, train_file: str | Path, valid_file: str | Path, out_dir: str | Path,
             ckpt_dir: str | Path, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Continue masked-LM training of ``model_dir`` on ``train_file`` (LAPT, or VA + LAPT).

    Returns the record written to ``out_dir/losses.json``.
    """
    resolved = LaptSettings.of(settings)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = load_masked_lm(model_dir, resolved["seed"])
    rows = read_rows(resolved["new_rows_file"], tokenizer) if resolved["new_rows_file"] else []
    return train_mlm(model, tokenizer, Text.read(train_file), Text.read(valid_file), out_dir, ckpt_dir, resolved, rows)


def run_scratch(train_file: str | Path, valid_file: str | Path, out_dir: str | Path, ckpt_dir: str | Path,
                settings: Mapping[str, Any], tokenizer_dir: str | Path | None = None) -> dict[str, Any]:
    """Pretrain a RoBERTa from scratch on ``train_file`` (PAPER §5.2).

    The byte-level BPE tokeniser is trained on the train split here, unless ``tokenizer_dir``
    names one already trained (by the vocab stage).
    """
    resolved = ScratchSettings.of(settings)
    train = Text.read(train_file)
    tokenizer = (AutoTokenizer.from_pretrained(tokenizer_dir) if tokenizer_dir is not None
                 else train_bytelevel_bpe(train.lines(), resolved["vocab_size"], resolved["min_frequency"]))
    config = RobertaConfig(
        vocab_size=len(tokenizer), num_hidden_layers=resolved["layers"], num_attention_heads=resolved["heads"],
        hidden_size=resolved["hidden"], intermediate_size=resolved["ffn"],
        max_position_embeddings=resolved["max_position_embeddings"], type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
    )
    torch.manual_seed(resolved["seed"])
    model = RobertaForMaskedLM(config)
    return train_mlm(model, tokenizer, train, Text.read(valid_file), out_dir, ckpt_dir, resolved)


def mlm_loss(model_dir: str | Path, valid_file: str | Path, settings: Mapping[str, Any]) -> float:
    """Held-out MLM loss of ``model_dir`` on ``valid_file``, exactly as training scores epochs."""
    resolved = LaptSettings.of(settings)
    set_threads(resolved["threads"])
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = load_masked_lm(model_dir, resolved["seed"]).to(choose_device())
    return evaluate(model, _held_out(tokenizer, Text.read(valid_file), resolved))


def train_mlm(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, train: Text, valid: Text,
              out_dir: str | Path, ckpt_dir: str | Path, settings: MlmSettings,
              rows: Sequence[int] = ()) -> dict[str, Any]:
    """Train ``model`` by masked LM, resuming from ``ckpt_dir``; save the selected epoch to ``out_dir``.

    ``settings`` are resolved (``specmlm.settings``). The schedule spans all epochs; the
    held-out loss of the starting model is recorded as epoch 0.
    """
    out_dir, ckpt_dir = Path(out_dir), Path(ckpt_dir)
    set_threads(settings["threads"])
    device = choose_device()
    instances = TRAINING_DATA[settings["instances"]](tokenizer, train, settings)
    if not len(instances):
        raise InputError(train.source, None, "no training sequence: expected text that the tokenizer turns into pieces")
    held_out = _held_out(tokenizer, valid, settings)
    model.to(device)
    optimizer = build_optimizer(model, settings, rows)
    plan = _Plan.of(len(instances), settings)
    scheduler = get_linear_schedule_with_warmup(optimizer, plan.warmup, plan.total_steps)
    key = _fingerprint(settings, instances, held_out, model, rows)
    LOG.info("%d training sequences, %d held-out lines; %d epochs x %d steps of %d, warm-up %d steps; %s, %d threads",
             len(instances), len(valid.lines()), settings["epochs"], plan.steps_per_epoch, settings["batch_size"],
             plan.warmup, device, torch.get_num_threads())

    state = _resume(ckpt_dir, key, model, optimizer, scheduler)
    if state is None:
        torch.manual_seed(settings["seed"])
        losses = {0: evaluate(model, held_out)}
        LOG.info("epoch 0 (start): held-out loss %.4f", losses[0])
        first = 1
    else:
        losses = dict(state["losses"])
        first = state["epoch"] + 1
        LOG.info("resumed from %s after epoch %d", ckpt_dir, state["epoch"])
    for epoch in range(first, settings["epochs"] + 1):
        train_loss = _train_epoch(model, instances, optimizer, scheduler, settings, plan, epoch)
        losses[epoch] = evaluate(model, held_out)
        chosen = _chosen(losses, settings["selection"])
        LOG.info("epoch %d: train loss %.4f, held-out loss %.4f (chosen so far: epoch %d)",
                 epoch, train_loss, losses[epoch], chosen)
        _save_checkpoint(ckpt_dir, epoch, chosen, key, losses, model, optimizer, scheduler)

    chosen = _chosen(losses, settings["selection"])
    if chosen != settings["epochs"]:
        model.load_state_dict(load(_checkpoint_path(ckpt_dir, chosen), key)["model"])
    record = {
        "losses": {str(epoch): loss for epoch, loss in sorted(losses.items())},
        "chosen_epoch": chosen,
        "chosen_loss": losses[chosen],
        "selection": settings["selection"],
        "steps": plan.total_steps,
        "sequences": len(instances),
    }
    _write_model(model, tokenizer, record, out_dir)
    shutil.rmtree(ckpt_dir)
    LOG.info("saved epoch %d (held-out loss %.4f) to %s", chosen, losses[chosen], out_dir)
    return record


def _chosen(losses: Mapping[int, float], selection: str) -> int:
    """The trained epoch to keep (epoch 0, the starting model, is never chosen)."""
    return SELECTIONS[selection]({epoch: loss for epoch, loss in losses.items() if epoch > 0})


@dataclass(frozen=True)
class _Plan:
    steps_per_epoch: int
    total_steps: int
    warmup: int

    @classmethod
    def of(cls, sequences: int, settings: Mapping[str, Any]) -> _Plan:
        """Warm-up is clamped to the run, so a short demo run still ends at learning rate 0."""
        per_epoch = math.ceil(sequences / settings["batch_size"])
        if settings["max_steps"] is not None:
            per_epoch = min(per_epoch, settings["max_steps"])
        total = per_epoch * settings["epochs"]
        warmup = per_epoch if settings["warmup_steps"] == "epoch" else settings["warmup_steps"]
        return cls(per_epoch, total, min(warmup, total))


def _train_epoch(model: PreTrainedModel, instances: Instances | Lines, optimizer: RowTieredAdamW,
                 scheduler: torch.optim.lr_scheduler.LambdaLR, settings: Mapping[str, Any], plan: _Plan,
                 epoch: int) -> float:
    """One epoch; its data order and (``line_by_line``) masks come from the seed and the epoch
    alone, so a resumed epoch repeats them."""
    device = next(model.parameters()).device
    order = torch.randperm(len(instances), generator=torch.Generator().manual_seed(settings["seed"] + epoch)).numpy()
    size, log_every = settings["batch_size"], settings["log_every"]
    batch_of = instances.masker(epoch)
    model.train()
    epoch_loss = torch.zeros((), device=device)
    window = _Window(device)
    progress = tqdm(total=plan.steps_per_epoch, desc=f"epoch {epoch}", leave=False, disable=not sys.stderr.isatty())
    for step in range(1, plan.steps_per_epoch + 1):
        batch = batch_of(order[(step - 1) * size:step * size])
        with autocast(device):
            loss = masked_lm_loss(model, batch.to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings["max_grad_norm"])
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        epoch_loss += loss.detach()
        window.add(loss.detach(), batch.n_tokens)
        progress.update()
        if step % log_every == 0 or step == plan.steps_per_epoch:
            mean, rate = window.flush()
            LOG.info("epoch %d step %d/%d: loss %.4f, lr %.3g, %.0f tokens/s", epoch,
                     (epoch - 1) * plan.steps_per_epoch + step, plan.total_steps, mean, lr, rate)
            progress.set_postfix(loss=f"{mean:.3f}")
    progress.close()
    return epoch_loss.item() / plan.steps_per_epoch


class _Window:
    """Loss and throughput since the last progress line (the loss stays on the device until then)."""

    def __init__(self, device: torch.device) -> None:
        self.loss = torch.zeros((), device=device)
        self.steps, self.tokens, self.start = 0, 0, time.perf_counter()

    def add(self, loss: torch.Tensor, tokens: int) -> None:
        self.loss += loss
        self.steps += 1
        self.tokens += tokens

    def flush(self) -> tuple[float, float]:
        """Mean loss per step and tokens per second, then start a new window."""
        mean = self.loss.item() / self.steps
        rate = self.tokens / (time.perf_counter() - self.start)
        self.loss.zero_()
        self.steps, self.tokens, self.start = 0, 0, time.perf_counter()
        return mean, rate


def _held_out(tokenizer: PreTrainedTokenizerBase, valid: Text, settings: Mapping[str, Any]) -> list[Batch]:
    batches = eval_batches(tokenizer, valid.lines(), settings["max_seq_length"], settings["masked_lm_prob"],
                           settings["eval_batch_size"], settings["seed"])
    if not any(batch.positions.numel() for batch in batches):
        raise InputError(valid.source, None, "no held-out piece was masked: expected more held-out text")
    return batches


def _fingerprint(settings: MlmSettings, instances: Instances | Lines, held_out: Sequence[Batch],
                 model: PreTrainedModel, rows: Sequence[int]) -> str:
    """Everything that decides the numbers: settings, data as tokenised, starting weights."""
    held = (tensor.numpy().tobytes() for batch in held_out for tensor in (batch.input_ids, batch.positions, batch.targets))
    weights = (part for name, tensor in sorted(model.state_dict().items())
               for part in (name.encode(), tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()))
    return fingerprint({"settings": settings.numbers(), "rows": list(rows)},
                       *(array.tobytes() for array in instances.arrays()), *held, *weights)


def _checkpoint_path(ckpt_dir: Path, epoch: int) -> Path:
    return ckpt_dir / f"epoch-{epoch:03d}.pt"


def _save_checkpoint(ckpt_dir: Path, epoch: int, chosen: int, key: str, losses: Mapping[int, float],
                     model: PreTrainedModel, optimizer: RowTieredAdamW,
                     scheduler: torch.optim.lr_scheduler.LambdaLR) -> None:
    """Write this epoch's full state, then keep only it and the chosen epoch's."""
    save(_checkpoint_path(ckpt_dir, epoch), {
        "epoch": epoch,
        "fingerprint": key,
        "losses": dict(losses),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": rng_state(),
    })
    write_json(ckpt_dir / "losses.json", {"losses": {str(e): loss for e, loss in sorted(losses.items())},
                                          "chosen_epoch": chosen})
    keep = {_checkpoint_path(ckpt_dir, epoch), _checkpoint_path(ckpt_dir, chosen)}
    for path in ckpt_dir.glob("epoch-*.pt"):
        if path not in keep:
            path.unlink()


def _resume(ckpt_dir: Path, key: str, model: PreTrainedModel, optimizer: RowTieredAdamW,
            scheduler: torch.optim.lr_scheduler.LambdaLR) -> dict[str, Any] | None:
    """Restore the latest checkpoint if it was written by this very job, else start afresh."""
    paths = sorted(ckpt_dir.glob("epoch-*.pt"))
    if not paths:
        return None
    state = load(paths[-1], key)
    if state is None:
        shutil.rmtree(ckpt_dir)
        return None
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    restore_rng_state(state["rng"])
    return state


def _write_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, record: Mapping[str, Any],
                 out_dir: Path) -> None:
    with staged_directory(out_dir) as stage:
        model.save_pretrained(stage)
        tokenizer.save_pretrained(stage)
        write_json(stage / "losses.json", record)
