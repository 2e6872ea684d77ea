"""The three task types and the two encoders, as data the trainer looks up by name.

A task knows its files (folder and extension in a view), how to read gold, which head it
needs, how to turn predictions back into its own file format, and how to score that file.
An encoder is named by the variant's kind (``specmlm.representations.KINDS``), never guessed
from what its model directory holds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch
from torch import nn

from specmlm.errors import ConfigError, InputError
from specmlm.formats.conllu import POS_COLUMNS, UDSentence, read_conllu, task_view, write_conllu
from specmlm.formats.ner import NerSentence, read_prepared_ner, write_ner
from specmlm.metrics.attachment import attachment_files, training_attachment_scores
from specmlm.metrics.pos_accuracy import pos_accuracy, pos_accuracy_files
from specmlm.metrics.span_f1 import span_f1, span_f1_files
from specmlm.tasks.biaffine import BiaffineParser
from specmlm.tasks.crf import CrfTagger
from specmlm.tasks.fasttext_encoder import MARKER as FASTTEXT_FILE
from specmlm.tasks.fasttext_encoder import FastTextEncoder
from specmlm.tasks.head import Head
from specmlm.tasks.tagger import LinearTagger

if TYPE_CHECKING:
    from specmlm.tasks.encoder import TransformerEncoder


@dataclass
class Split:
    """One split of a view: the words, the gold labels as strings, and the parsed file to write back.

    ``complete`` is False when only the first sentences of ``path`` were kept; the gold that a
    prediction file is scored against must then be written out too (:meth:`Task.write_gold`).
    """

    path: Path
    words: list[list[str]]
    gold: list[Any]
    source: list[Any]
    complete: bool = True

    def first(self, limit: int | None) -> Split:
        """The first ``limit`` sentences (all of them for None)."""
        if limit is None or limit >= len(self.words):
            return self
        return Split(self.path, self.words[:limit], self.gold[:limit], self.source[:limit], complete=False)

    @property
    def num_words(self) -> int:
        return sum(len(words) for words in self.words)


class Task(Protocol):
    name: str
    folder: str
    extension: str
    metric: str

    def read(self, path: Path, settings: dict[str, Any]) -> Split: ...
    def labels(self, splits: list[Split]) -> list[str]: ...
    def head(self, input_dim: int, labels: list[str]) -> Head: ...
    def encode(self, gold: Any, index: dict[str, int]) -> Any: ...
    def collate(self, encoded: list[Any]) -> Any: ...
    def to_strings(self, prediction: Any, labels: list[str]) -> Any: ...
    def score(self, split: Split, predictions: list[Any]) -> dict[str, float | int]: ...
    def write(self, split: Split, predictions: list[Any], path: Path, settings: dict[str, Any]) -> None: ...
    def write_gold(self, split: Split, path: Path) -> None: ...
    def score_files(self, gold: Path, pred: Path, settings: dict[str, Any]) -> dict[str, float | int]: ...


def pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.zeros(len(rows), max(len(row) for row in rows), dtype=torch.long)
    for index, row in enumerate(rows):
        out[index, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def read_treebank(path: Path) -> tuple[list[Any], list[UDSentence]]:
    sentences = read_conllu(path)
    return sentences, [task_view(sentence) for sentence in sentences]


def words_of(sentence: Any) -> list[Any]:
    """The syntactic words of a ``conllu`` sentence, in order (range lines and empty nodes skipped)."""
    return [token for token in sentence if isinstance(token["id"], int)]


class TreebankFile:
    """Writing back into a copy of the gold CoNLL-U, so the gold sentences stay untouched."""

    def write_gold(self, split: Split, path: Path) -> None:
        write_conllu(path, split.source)

    @staticmethod
    def copy_words(split: Split) -> list[tuple[Any, list[Any]]]:
        copies = [copy.deepcopy(sentence) for sentence in split.source]
        return [(sentence, words_of(sentence)) for sentence in copies]


class TagTask:
    """Shared by the sequence-labelling tasks: a label per word, padded into one tensor."""

    def encode(self, gold: list[str], index: dict[str, int]) -> list[int]:
        return [index[tag] for tag in gold]

    def collate(self, encoded: list[list[int]]) -> torch.Tensor:
        return pad(encoded)

    def to_strings(self, prediction: list[int], labels: list[str]) -> list[str]:
        return [labels[i] for i in prediction]


class PosTask(TreebankFile, TagTask):
    """POS tagging on a UD treebank; ``pos_column`` picks UPOS or XPOS (paper: XPOS, UPOS for be)."""

    name, folder, extension, metric = "pos", "ud", "conllu", "accuracy"

    def read(self, path: Path, settings: dict[str, Any]) -> Split:
        sentences, views = read_treebank(path)
        column = settings["pos_column"]
        if column is None:
            raise ConfigError("pos_column", f"the pos task needs one of {POS_COLUMNS}")
        return Split(path, [v.words for v in views], [v.tags(column) for v in views], sentences)

    def labels(self, splits: list[Split]) -> list[str]:
        return sorted({tag for split in splits for tags in split.gold for tag in tags})

    def head(self, input_dim: int, labels: list[str]) -> Head:
        return LinearTagger(input_dim, len(labels))

    def score(self, split: Split, predictions: list[list[str]]) -> dict[str, float | int]:
        return pos_accuracy(split.gold, predictions)

    def write(self, split: Split, predictions: list[list[str]], path: Path, settings: dict[str, Any]) -> None:
        copies = self.copy_words(split)
        for (_, words), tags in zip(copies, predictions, strict=True):
            for token, tag in zip(words, tags, strict=True):
                token[settings["pos_column"]] = tag
        write_conllu(path, [sentence for sentence, _ in copies])

    def score_files(self, gold: Path, pred: Path, settings: dict[str, Any]) -> dict[str, float | int]:
        return pos_accuracy_files(gold, pred, settings["pos_column"])


class UdTask(TreebankFile):
    """Dependency parsing; labels are full DEPRELs (subtypes kept in training and in the dev LAS
    that picks the epoch, ignored in the CoNLL 2018 LAS of the written files)."""

    name, folder, extension, metric = "ud", "ud", "conllu", "las"

    def read(self, path: Path, settings: dict[str, Any]) -> Split:
        sentences, views = read_treebank(path)
        return Split(path, [v.words for v in views], [(v.heads, v.deprels) for v in views], sentences)

    def labels(self, splits: list[Split]) -> list[str]:
        return sorted({rel for split in splits for _, rels in split.gold for rel in rels})

    def head(self, input_dim: int, labels: list[str]) -> Head:
        return BiaffineParser(input_dim, len(labels))

    def encode(self, gold: tuple[list[int], list[str]], index: dict[str, int]) -> tuple[list[int], list[int]]:
        heads, rels = gold
        return heads, [index[rel] for rel in rels]

    def collate(self, encoded: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad([heads for heads, _ in encoded]), pad([rels for _, rels in encoded])

    def to_strings(self, prediction: tuple[list[int], list[int]], labels: list[str]) -> tuple[list[int], list[str]]:
        heads, rels = prediction
        return heads, [labels[i] for i in rels]

    def score(self, split: Split, predictions: list[tuple[list[int], list[str]]]) -> dict[str, float | int]:
        """The dev score that picks the epoch: AllenNLP's LAS (punctuation skipped, full labels),
        as the paper's runs were early-stopped on; test and final scores are CoNLL 2018's."""
        tags = [[word["upos"] or "_" for word in words_of(sentence)] for sentence in split.source]

        def trees(annotations: list[tuple[list[int], list[str]]]) -> list[UDSentence]:
            return [UDSentence(words, upos, [], heads, rels)
                    for words, upos, (heads, rels) in zip(split.words, tags, annotations, strict=True)]

        return training_attachment_scores(trees(split.gold), trees(predictions))

    def write(
        self, split: Split, predictions: list[tuple[list[int], list[str]]], path: Path, settings: dict[str, Any]
    ) -> None:
        """HEAD and DEPREL replaced; DEPS (the enhanced graph built on the gold tree) blanked."""
        copies = self.copy_words(split)
        for (_, words), (heads, rels) in zip(copies, predictions, strict=True):
            for token, head, rel in zip(words, heads, rels, strict=True):
                token["head"], token["deprel"], token["deps"] = head, rel, None
        write_conllu(path, [sentence for sentence, _ in copies])

    def score_files(self, gold: Path, pred: Path, settings: dict[str, Any]) -> dict[str, float | int]:
        return attachment_files(gold, pred)


class NerTask(TagTask):
    """NER with a CRF; predictions are written as ``token<TAB>predicted tag``, the gold file's layout."""

    name, folder, extension, metric = "ner", "ner", "tsv", "span_f1"

    def read(self, path: Path, settings: dict[str, Any]) -> Split:
        sentences = read_prepared_ner(path)
        return Split(path, [s.tokens for s in sentences], [s.tags for s in sentences], sentences)

    def labels(self, splits: list[Split]) -> list[str]:
        """Every type seen gets both ``B-`` and ``I-``, so the IOB2 constraints are complete."""
        types = {tag[2:] for split in splits for tags in split.gold for tag in tags if tag != "O"}
        return ["O"] + [f"{prefix}-{kind}" for kind in sorted(types) for prefix in ("B", "I")]

    def head(self, input_dim: int, labels: list[str]) -> Head:
        return CrfTagger(input_dim, labels)

    def score(self, split: Split, predictions: list[list[str]]) -> dict[str, float | int]:
        return span_f1(split.gold, predictions)

    def write_gold(self, split: Split, path: Path) -> None:
        write_ner(path, split.source)

    def write(self, split: Split, predictions: list[list[str]], path: Path, settings: dict[str, Any]) -> None:
        write_ner(path, [NerSentence(s.tokens, tags) for s, tags in zip(split.source, predictions, strict=True)])

    def score_files(self, gold: Path, pred: Path, settings: dict[str, Any]) -> dict[str, float | int]:
        return span_f1_files(gold, pred)


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
