"""What every task is: a :class:`Task` reads a split, labels it, picks its head, writes and scores.

One module per task (:mod:`specmlm.tasks.pos`, :mod:`~specmlm.tasks.ud`, :mod:`~specmlm.tasks.ner`)
implements it; :mod:`specmlm.tasks.registry` maps the names to them. The sequence-labelling
tasks share :class:`TagTask`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from specmlm.tasks.head import Head


@dataclass
class Split:
    """One split of a view: the words, the gold labels as strings, and the parsed file to write back.

    ``complete`` is False when only the first sentences of ``path`` were kept; the gold that a
    prediction file is scored against must then be written out too (:meth:`Task.write_gold`).
    ``source`` is empty for a split read as one that is never written (training data).
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

    def read(self, path: Path, settings: dict[str, Any], written: bool = True) -> Split:
        """``written``: whether predictions are written into this split (not for training data)."""
        ...
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


class TagTask:
    """Shared by the sequence-labelling tasks: a label per word, padded into one tensor."""

    def encode(self, gold: list[str], index: dict[str, int]) -> list[int]:
        return [index[tag] for tag in gold]

    def collate(self, encoded: list[list[int]]) -> torch.Tensor:
        return pad(encoded)

    def to_strings(self, prediction: list[int], labels: list[str]) -> list[str]:
        return [labels[i] for i in prediction]
