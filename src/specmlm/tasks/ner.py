"""Named-entity recognition: a CRF tagger over the encoder, scored by span F1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specmlm.formats.ner import NerSentence, read_prepared_ner, write_ner
from specmlm.metrics.span_f1 import span_f1, span_f1_files
from specmlm.tasks.crf import CrfTagger
from specmlm.tasks.head import Head
from specmlm.tasks.task import Split, TagTask


class NerTask(TagTask):
    """NER with a CRF; predictions are written as ``token<TAB>predicted tag``, the gold file's layout."""

    name, folder, extension, metric = "ner", "ner", "tsv", "span_f1"

    def read(self, path: Path, settings: dict[str, Any], written: bool = True) -> Split:
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
