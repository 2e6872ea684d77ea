"""POS accuracy over all syntactic words (punctuation included), as the paper reports it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from specmlm.errors import ConfigError
from specmlm.formats.conllu import POS_COLUMNS, read_ud
from specmlm.metrics.alignment import check_same_words


def pos_accuracy(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float | int]:
    """Token accuracy of aligned tag sequences (one list of tags per sentence)."""
    correct = sum(g == p for gold_tags, pred_tags in zip(gold, pred, strict=True)
                  for g, p in zip(gold_tags, pred_tags, strict=True))
    total = sum(len(tags) for tags in gold)
    return {"accuracy": correct / total if total else 0.0, "correct": correct, "total": total}


def pos_accuracy_files(gold_path: str | Path, pred_path: str | Path, column: str) -> dict[str, float | int]:
    """Score a predicted CoNLL-U file's ``column`` (``upos`` or ``xpos``) against the gold file."""
    if column not in POS_COLUMNS:
        raise ConfigError("pos_column", f"expected one of {POS_COLUMNS}, found {column!r}")
    gold = read_ud(gold_path)
    pred = read_ud(pred_path)
    check_same_words(gold_path, [s.words for s in gold], pred_path, [s.words for s in pred])
    return pos_accuracy([s.tags(column) for s in gold], [s.tags(column) for s in pred])
