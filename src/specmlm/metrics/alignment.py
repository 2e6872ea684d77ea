"""The check every scorer makes before it counts: same sentences, same words, same order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from specmlm.errors import InputError
from specmlm.formats.text import read_lines


def block_start_lines(path: str | Path) -> list[int]:
    """1-based line of the first line of each blank-line-separated block (one per sentence)."""
    starts: list[int] = []
    inside = False
    for number, line in enumerate(read_lines(path), start=1):
        if line.strip():
            if not inside:
                starts.append(number)
            inside = True
        else:
            inside = False
    return starts


def check_same_words(
    gold_path: str | Path,
    gold: Sequence[Sequence[str]],
    pred_path: str | Path,
    pred: Sequence[Sequence[str]],
) -> None:
    """Raise :class:`InputError` at the first sentence where the two files' words differ."""
    if len(gold) != len(pred):
        raise InputError(
            pred_path, None, f"has {len(pred)} sentences; expected {len(gold)} as in the gold file {gold_path}"
        )
    for index, (gold_words, pred_words) in enumerate(zip(gold, pred, strict=True)):
        if list(gold_words) != list(pred_words):
            line = block_start_lines(pred_path)[index]
            position = next(
                (i for i, (g, p) in enumerate(zip(gold_words, pred_words, strict=False)) if g != p),
                min(len(gold_words), len(pred_words)),
            )
            found = pred_words[position] if position < len(pred_words) else "<end of sentence>"
            expected = gold_words[position] if position < len(gold_words) else "<end of sentence>"
            raise InputError(
                pred_path,
                line,
                f"sentence {index + 1}, word {position + 1}: found {found!r}, expected {expected!r} "
                f"({len(pred_words)} words vs {len(gold_words)} in the gold file {gold_path})",
            )
