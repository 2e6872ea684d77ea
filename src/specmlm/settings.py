"""Every training stage's settings: one frozen, typed dataclass each, with the paper's defaults.

Why one layer: a setting used to be defaulted and checked in its stage's module, beside the
JSON Schema, and the two disagreed. Here each field carries its default, its bounds (the same
words as the schema: ``minimum``, ``exclusive_maximum``, ``choices``; a test holds the two
equal) and whether it is *run-only*: a setting that does not change a stage's numbers
(threads, how often to checkpoint or log) is kept out of the rules' params, so changing it
reruns nothing, and out of checkpoint fingerprints, so a checkpoint survives a change to it.

A settings object is also a read-only mapping (``settings["lr"]``), the form the stages and
the task registry read and ``metrics.json`` records. Import-light on purpose: the workflow
reads :data:`run_only` at parse time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, Self

from specmlm.errors import ConfigError
from specmlm.formats.conllu import POS_COLUMNS

KINDS: dict[str, tuple[type, ...]] = {"integer": (int,), "number": (int, float), "boolean": (bool,), "string": (str,)}


@dataclass(frozen=True)
class Bounds:
    """What values a setting takes, in the JSON Schema's terms so that the two can be compared."""

    kind: str | None = None
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    check: Callable[[Any], bool] | None = None  # a shape the words above cannot say
    expected: str | None = None  # how to name that shape in an error

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if value in self.choices:
            return True
        if self.check is not None:
            return self.check(value)
        if self.kind is None:
            return False
        if isinstance(value, bool) != (self.kind == "boolean") or not isinstance(value, KINDS[self.kind]):
            return False
        return ((self.minimum is None or value >= self.minimum)
                and (self.exclusive_minimum is None or value > self.exclusive_minimum)
                and (self.maximum is None or value <= self.maximum)
                and (self.exclusive_maximum is None or value < self.exclusive_maximum))

    def describe(self) -> str:
        """The accepted values in words, for the error that names a bad one."""
        parts = []
        if self.expected is not None:
            parts.append(self.expected)
        elif self.kind is not None:
            parts.append(self._range())
        parts += [json.dumps(choice) for choice in self.choices]
        text = " or ".join(parts) if self.kind or self.expected else f"one of {', '.join(parts)}"
        return f"null or {text}" if self.nullable else text

    def _range(self) -> str:
        if self.kind == "boolean":
            return "true or false"
        if self.kind == "string":
            return "a string"
        noun = "an integer" if self.kind == "integer" else "a number"
        low = self.minimum if self.minimum is not None else self.exclusive_minimum
        high = self.maximum if self.maximum is not None else self.exclusive_maximum
        if low is not None and high is not None:
            opening = "[" if self.minimum is not None else "("
            closing = "]" if self.maximum is not None else ")"
            return f"{noun} in {opening}{low:g}, {high:g}{closing}"
        if self.exclusive_minimum == 0 or (self.kind == "integer" and self.minimum == 1):
            return f"a positive {self.kind}"
        if self.minimum == 0:
            return f"a non-negative {self.kind}"
        if self.minimum is not None:
            return f"{noun} >= {self.minimum:g}"
        return noun


def setting(default: Any = MISSING, *, run_only: bool = False, **bounds: Any) -> Any:
    """A settings field: its default (none: the key is required), bounds, and whether it is run-only."""
    metadata = {"bounds": Bounds(**bounds), "run_only": run_only}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def _again(base: type, name: str, default: Any) -> Any:
    """A field of ``base`` with another default (a stage whose recipe differs in that value)."""
    return field(default=default, metadata=base.__dataclass_fields__[name].metadata)


@dataclass(frozen=True)
class Settings(Mapping[str, Any]):
    """Checked on construction: a bad value is a :class:`ConfigError` naming its key."""

    what: ClassVar[str] = "setting"

    @classmethod
    def of(cls, values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Self:
        """``values`` over ``defaults`` over the class's own; an unknown key is refused by name."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ConfigError(unknown[0], f"unknown {cls.what}; expected one of {', '.join(sorted(names))}")
        merged = {**(defaults or {}), **values}
        for f in fields(cls):
            if f.name not in merged and f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f.name, f"missing; expected {f.metadata['bounds'].describe()}")
        return cls(**merged)

    @classmethod
    def run_only(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.metadata["run_only"])

    def __post_init__(self) -> None:
        for f in fields(self):
            value, bounds = getattr(self, f.name), f.metadata["bounds"]
            if not bounds.accepts(value):
                raise ConfigError(f.name, f"expected {bounds.describe()}, found {value!r}")
        self.check()

    def check(self) -> None:
        """What no single field says: settings that go together."""

    def numbers(self) -> dict[str, Any]:
        """The settings that decide the stage's numbers (what a checkpoint's fingerprint holds)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata["run_only"]}

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self))

    def __len__(self) -> int:
        return len(fields(self))


def _seed_set(value: Any) -> bool:
    return (isinstance(value, dict) and sorted(value) == ["numpy", "python", "torch"]
            and all(isinstance(x, int) and not isinstance(x, bool) for x in value.values()))


def _files(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(f, str) for f in value)


def _bilstm(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(x, dict) for x in value.values())


THREADS = {"kind": "integer", "minimum": 1, "nullable": True, "run_only": True}
"""CPU threads; None = every core this process may run on."""


@dataclass(frozen=True)
class FinetuneSettings(Settings):
    """Fine-tuning (PAPER §7.3, §7.5). The workflow sets the seed set, batch size, POS column and a
    transfer run's files; ``config.yaml``'s ``finetune`` section the rest."""

    what: ClassVar[str] = "fine-tuning setting"

    seed_set: dict[str, int] = setting({"numpy": 1337, "torch": 133, "python": 13370}, check=_seed_set,
                                       expected="a mapping with integer numpy, torch and python seeds")
    batch_size: int = setting(32, kind="integer", minimum=1)  # sentences
    max_epochs: int = setting(200, kind="integer", minimum=1)
    patience: int = setting(20, kind="integer", minimum=1)
    lr_encoder: float = setting(5e-5, kind="number", exclusive_minimum=0)  # groups A, B
    lr_head: float = setting(1e-3, kind="number", exclusive_minimum=0)  # groups C, D
    weight_decay: float = setting(0.01, kind="number", minimum=0)
    bias_correction: bool = setting(False, kind="boolean")  # off for the BERT family (RoBERTa: registry)
    grad_clip: float = setting(5.0, kind="number", exclusive_minimum=0)
    freeze_encoder_epochs: int = setting(1, kind="integer", minimum=0)
    layer_dropout: float = setting(0.1, kind="number", minimum=0, exclusive_maximum=1)
    layer_dropout_at_eval: bool = setting(True, kind="boolean")
    pos_column: str | None = setting("xpos", choices=POS_COLUMNS, nullable=True)
    max_train_sentences: int | None = setting(None, kind="integer", minimum=1, nullable=True)  # few-shot
    max_eval_sentences: int | None = setting(None, kind="integer", minimum=1, nullable=True)  # demo runs; gold written too
    threads: int | None = setting(None, **THREADS)
    train_files: list[str] | None = setting(None, nullable=True, check=_files,
                                            expected="a non-empty list of prepared train files")  # transfer: the source's
    shots: int = setting(0, kind="integer", minimum=0)  # transfer: the view's first N train sentences, added
    dev_file: str | None = setting(None, kind="string", nullable=True)  # transfer: the source's
    checkpoint_every_s: float = setting(300, kind="number", minimum=0, run_only=True,
                                        expected="a non-negative number of seconds")  # 0 = every epoch
    bilstm: dict[str, dict[str, Any]] | None = setting(
        None, nullable=True, check=_bilstm, expected="a mapping from task to {type, layers, hidden, dropout}")


@dataclass(frozen=True)
class MlmSettings(Settings):
    """Masked-LM training as BERT's LAPT ran it (PAPER §5.4): ``create_pretraining_data``'s flags,
    then ``AdamWeightDecay`` (no bias correction, so its first steps are larger than AdamW's).
    ``instances``: ``bert`` packs statically masked instances; ``line_by_line`` masks one line a
    sequence anew every batch. ``warmup_steps: epoch`` warms up over one epoch; ``max_steps``
    caps the optimiser steps of each epoch (demos, tests)."""

    max_seq_length: int = setting(128, kind="integer", minimum=8, maximum=512)
    masked_lm_prob: float = setting(0.15, kind="number", exclusive_minimum=0, exclusive_maximum=1)
    max_predictions_per_seq: int = setting(20, kind="integer", minimum=1)
    dupe_factor: int = setting(5, kind="integer", minimum=1)
    short_seq_prob: float = setting(0.1, kind="number", minimum=0, exclusive_maximum=1)
    seed: int = setting(13370, kind="integer", minimum=0)
    instances: str = setting("bert", choices=("bert", "line_by_line"))
    epochs: int = setting(20, kind="integer", minimum=1)
    lr: float = setting(2e-5, kind="number", exclusive_minimum=0)
    warmup_steps: int | str = setting(1000, kind="integer", minimum=0, choices=("epoch",))
    batch_size: int = setting(32, kind="integer", minimum=1)
    weight_decay: float = setting(0.01, kind="number", minimum=0)
    adam_epsilon: float = setting(1e-6, kind="number", exclusive_minimum=0)
    bias_correction: bool = setting(False, kind="boolean")
    max_grad_norm: float = setting(1.0, kind="number", exclusive_minimum=0)
    eval_batch_size: int = setting(32, kind="integer", minimum=1)
    selection: str = setting("best", choices=("best", "last"))
    threads: int | None = setting(None, **THREADS)
    max_steps: int | None = setting(None, kind="integer", minimum=1, nullable=True)
    log_every: int = setting(100, kind="integer", minimum=1, run_only=True)  # steps between progress lines


@dataclass(frozen=True)
class LaptSettings(MlmSettings):
    """LAPT and VA + LAPT: ``new_rows_lr`` with ``new_rows_file`` (the pieces, one a line, whose
    embedding rows train at their own rate: VA's ``added_pieces.txt``) give the "true tiered VA"."""

    what: ClassVar[str] = "pretraining setting"

    new_rows_lr: float | None = setting(None, kind="number", exclusive_minimum=0, nullable=True)
    new_rows_file: str | None = setting(None, kind="string", nullable=True, run_only=True)

    def check(self) -> None:
        if (self.new_rows_lr is None) != (self.new_rows_file is None):
            raise ConfigError("new_rows_lr", "new_rows_lr and new_rows_file go together: set both or neither")


@dataclass(frozen=True)
class FreshModelSettings(MlmSettings):
    """A model trained from random weights: its shape, one pass of masking per document, warm-up
    over the first epoch, and Adam with bias correction (the HF ``Trainer``'s AdamW)."""

    dupe_factor: int = _again(MlmSettings, "dupe_factor", 1)
    warmup_steps: int | str = _again(MlmSettings, "warmup_steps", "epoch")
    bias_correction: bool = _again(MlmSettings, "bias_correction", True)
    layers: int = setting(6, kind="integer", minimum=1)
    heads: int = setting(12, kind="integer", minimum=1)
    hidden: int = setting(768, kind="integer", minimum=8)
    ffn: int = setting(3072, kind="integer", minimum=8)

    def check(self) -> None:
        if self.hidden % self.heads:
            raise ConfigError("heads", f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")


@dataclass(frozen=True)
class ScratchSettings(FreshModelSettings):
    """PAPER §5.2's RoBERTa from scratch: the HF ``Trainer`` on a ``LineByLineTextDataset``, its
    AdamW defaults (eps 1e-8, no weight decay), 20 epochs at 1e-4, the last epoch kept; a
    byte-level BPE of ``vocab_size`` pieces."""

    what: ClassVar[str] = "pretraining setting"

    instances: str = _again(MlmSettings, "instances", "line_by_line")
    lr: float = _again(MlmSettings, "lr", 1e-4)
    batch_size: int = _again(MlmSettings, "batch_size", 64)
    weight_decay: float = _again(MlmSettings, "weight_decay", 0.0)
    adam_epsilon: float = _again(MlmSettings, "adam_epsilon", 1e-8)
    selection: str = _again(MlmSettings, "selection", "last")
    vocab_size: int = setting(52000, kind="integer", minimum=100)
    min_frequency: int = setting(2, kind="integer", minimum=1)
    max_position_embeddings: int = setting(514, kind="integer", minimum=10)

    def check(self) -> None:
        super().check()
        if self.max_seq_length + 2 > self.max_position_embeddings:
            raise ConfigError("max_seq_length", "RoBERTa positions start at 2: max_seq_length + 2 must not exceed "
                              f"max_position_embeddings ({self.max_position_embeddings})")


@dataclass(frozen=True)
class TinyBaseSettings(FreshModelSettings):
    """A miniature mBERT built as a base model: 2 layers of 128, every ``valid_every``-th line of each
    text held out. Adam keeps the bias correction this stand-in has always trained with."""

    what: ClassVar[str] = "base-model setting"

    epochs: int = _again(MlmSettings, "epochs", 5)
    lr: float = _again(MlmSettings, "lr", 5e-4)
    layers: int = _again(FreshModelSettings, "layers", 2)
    heads: int = _again(FreshModelSettings, "heads", 2)
    hidden: int = _again(FreshModelSettings, "hidden", 128)
    ffn: int = _again(FreshModelSettings, "ffn", 512)
    valid_every: int = setting(20, kind="integer", minimum=2)


@dataclass(frozen=True)
class VocabSettings(Settings):
    """Vocabulary augmentation (PAPER §5.5): every key is given (``config.yaml``'s ``vocab``
    entries); the paper's are 5000, 5, 1000, 99, ``unused``, ``untrained``."""

    what: ClassVar[str] = "vocabulary setting"

    vocab_size: int = setting(kind="integer", minimum=100)
    min_frequency: int = setting(kind="integer", minimum=1)
    limit_alphabet: int = setting(kind="integer", minimum=1)
    new_pieces: int = setting(kind="integer", minimum=1)
    method: str = setting(choices=("unused", "append"))
    init: str = setting(choices=("untrained", "mean", "focus", "scriptwise"))


@dataclass(frozen=True)
class FastTextSettings(Settings):
    """fastText vectors for the BiLSTM baseline (PAPER §5.1): skip-gram, dim 100, fastText's own
    defaults otherwise, a fixed seed."""

    what: ClassVar[str] = "fastText setting"

    dim: int = setting(100, kind="integer", minimum=1)
    model: str = setting("skipgram", choices=("skipgram", "cbow"))
    epoch: int = setting(5, kind="integer", minimum=1)
    min_count: int = setting(5, kind="integer", minimum=1)
    minn: int = setting(3, kind="integer", minimum=0)
    maxn: int = setting(6, kind="integer", minimum=0)
    ws: int = setting(5, kind="integer", minimum=1)
    seed: int = setting(13370, kind="integer")
    threads: int | None = setting(None, **THREADS)


def job_settings(snakemake: Any, stage: type[Settings], section: Mapping[str, Any] | None = None,
                 within: str | None = None) -> dict[str, Any]:
    """A job's settings: its rule's ``params.settings`` with the run-only values of ``stage`` put back.

    Run-only values stay out of the params so that changing them reruns nothing; the script
    adds them here: ``threads`` is the job's own, the others come from ``section`` (the config
    section that sets them) where set there. ``within`` names the key the stage's settings sit
    under (a base model's ``build``). The stage resolves the result (``stage.of``) once it knows
    its defaults (an encoder's kind adds some to fine-tuning's).
    """
    settings = json.loads(snakemake.params.settings)["settings"]
    values = {**(section or {}), "threads": snakemake.threads}
    target = settings[within] if within is not None else settings
    target.update({name: values[name] for name in stage.run_only() if name in values})
    return settings
