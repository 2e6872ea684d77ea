"""POS tagging: a linear tagger over the encoder, scored by accuracy on the UPOS or XPOS column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specmlm.errors import ConfigError
from specmlm.formats.conllu import POS_COLUMNS, write_conllu
from specmlm.metrics.pos_accuracy import pos_accuracy, pos_accuracy_files
from specmlm.tasks.head import Head
from specmlm.tasks.tagger import LinearTagger
from specmlm.tasks.task import Split, TagTask
from specmlm.tasks.treebank import TreebankFile, read_treebank


class PosTask(TreebankFile, TagTask):
    """POS tagging on a UD treebank; ``pos_column`` picks UPOS or XPOS (paper: XPOS, UPOS for be)."""

    name, folder, extension, metric = "pos", "ud", "conllu", "accuracy"

    def read(self, path: Path, settings: dict[str, Any], written: bool = True) -> Split:
        sentences, views = read_treebank(path, written)
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
