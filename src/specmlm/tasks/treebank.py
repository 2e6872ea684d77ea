"""Reading a UD treebank for a task and writing predictions back into a copy of it (POS and UD)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from specmlm.formats.conllu import UDSentence, read_conllu, read_ud, task_view, write_conllu
from specmlm.tasks.task import Split


def read_treebank(path: Path, written: bool) -> tuple[list[Any], list[UDSentence]]:
    """The token lists of a split that predictions are written into, and its task views.

    A split that is never written (training data) is read as task views alone, which skips the
    costly lossless parse (:func:`specmlm.formats.conllu.read_ud`); its token lists are empty.
    """
    if not written:
        return [], read_ud(path)
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
