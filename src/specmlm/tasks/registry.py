"""The three tasks and the two encoders, by name: what the trainer looks up.

Each task is one module (:mod:`specmlm.tasks.pos`, :mod:`~specmlm.tasks.ud`,
:mod:`~specmlm.tasks.ner`). An encoder is named by the variant's kind
(``specmlm.representations.KINDS``), never guessed from what its model directory holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch import nn

from specmlm.errors import InputError
from specmlm.fasttext import MODEL_FILE as FASTTEXT_FILE
from specmlm.tasks.fasttext_encoder import FastTextEncoder
from specmlm.tasks.ner import NerTask
from specmlm.tasks.pos import PosTask
from specmlm.tasks.task import Task
from specmlm.tasks.ud import UdTask

if TYPE_CHECKING:
    from specmlm.tasks.encoder import TransformerEncoder


TASKS: dict[str, Task] = {"pos": PosTask(), "ud": UdTask(), "ner": NerTask()}


def transformer_encoder(
    model_dir: Path, task: str, train_words: list[list[str]], settings: dict[str, Any]
) -> TransformerEncoder:
    # Imported here: transformers is 2-3 s of every job's start-up, and a fastText run never needs it.
    from specmlm.tasks.encoder import TransformerEncoder

    return TransformerEncoder(model_dir, settings["layer_dropout"], settings["layer_dropout_at_eval"])


def fasttext_encoder(
    model_dir: Path, task: str, train_words: list[list[str]], settings: dict[str, Any]
) -> FastTextEncoder:
    return FastTextEncoder(model_dir, task, train_words, settings["bilstm"])


# Paper §7.3: HF AdamW's bias correction was off for the BERT family and on for RoBERTa.
FINETUNE_DEFAULTS_BY_MODEL_TYPE: dict[str, dict[str, Any]] = {"roberta": {"bias_correction": True}}
# Paper §5.1: the fastText rows train with plain Adam at 1e-3 (no weight decay), batch 128.
FASTTEXT_FINETUNE_DEFAULTS: dict[str, Any] = {"batch_size": 128, "weight_decay": 0.0, "bias_correction": True}


def transformer_defaults(model_dir: Path) -> dict[str, Any]:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return FINETUNE_DEFAULTS_BY_MODEL_TYPE.get(config.get("model_type", ""), {})


@dataclass(frozen=True)
class Encoder:
    """A fine-tuning encoder, the file its model directory must hold, and the setting defaults it brings.

    ``defaults`` sit between the trainer's defaults and the run's own settings: a value given
    explicitly for the run still wins.
    """

    name: str
    needs: str
    build: Callable[[Path, str, list[list[str]], dict[str, Any]], nn.Module]
    defaults: Callable[[Path], dict[str, Any]]

    def check(self, model_dir: Path) -> None:
        """Refuse a model directory this encoder cannot read, naming it (not a loader's traceback)."""
        if not (model_dir / self.needs).is_file():
            raise InputError(model_dir, None, f"not a {self.name} model directory: {self.needs} is not in it")


ENCODERS: dict[str, Encoder] = {
    "fasttext": Encoder("fasttext", FASTTEXT_FILE, fasttext_encoder, lambda _: FASTTEXT_FINETUNE_DEFAULTS),
    "transformer": Encoder("transformer", "config.json", transformer_encoder, transformer_defaults),
}
