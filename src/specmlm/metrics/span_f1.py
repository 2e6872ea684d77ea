"""Entity span F1 (exact span and type, micro over types) in strict IOB2.

The reported number is seqeval's ``mode="strict", scheme=IOB2`` F1 (seqeval's default mode is
lenient and would count stray ``I-`` tags as entities). :func:`entity_spans` is the same
extraction written out, so the counts in the result can be checked by hand;
``tests/test_metrics.py`` shows the two agree on real data.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from specmlm.formats.ner import read_prepared_ner
from specmlm.metrics.alignment import check_same_words

Span = tuple[str, int, int]


def entity_spans(tags: Sequence[str]) -> set[Span]:
    """Strict IOB2 entities as ``(type, start, end)``: ``B-X`` then ``I-X`` of the same type.

    An ``I-X`` that does not continue an ``X`` entity starts nothing (strict mode).
    """
    spans: set[Span] = set()
    start: int | None = None
    kind = ""
    for index, tag in enumerate([*tags, "O"]):
        if start is not None and tag != f"I-{kind}":
            spans.add((kind, start, index))
            start = None
        if tag.startswith("B-"):
            start, kind = index, tag[2:]
    return spans


def span_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float | int]:
    """Precision, recall and F1 of aligned tag sequences, with the entity counts behind them."""
    gold_lists = [list(tags) for tags in gold]
    pred_lists = [list(tags) for tags in pred]
    counts = {"gold": 0, "predicted": 0, "correct": 0}
    for gold_tags, pred_tags in zip(gold_lists, pred_lists, strict=True):
        gold_spans, pred_spans = entity_spans(gold_tags), entity_spans(pred_tags)
        counts["gold"] += len(gold_spans)
        counts["predicted"] += len(pred_spans)
        counts["correct"] += len(gold_spans & pred_spans)
    # Imported here: seqeval pulls in scikit-learn (2 s), paid by every job that imports this module.
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    strict = {"mode": "strict", "scheme": IOB2, "average": "micro", "zero_division": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns when a file has no entities at all
        scores = {
            "span_f1": float(f1_score(gold_lists, pred_lists, **strict)),
            "precision": float(precision_score(gold_lists, pred_lists, **strict)),
            "recall": float(recall_score(gold_lists, pred_lists, **strict)),
        }
    return {**scores, **counts}


def span_f1_files(gold_path: str | Path, pred_path: str | Path) -> dict[str, float | int]:
    """Score a predicted ``token<TAB>tag`` file against the gold file of the same tokens."""
    gold = read_prepared_ner(gold_path)
    pred = read_prepared_ner(pred_path)
    check_same_words(gold_path, [s.tokens for s in gold], pred_path, [s.tokens for s in pred])
    return span_f1([s.tags for s in gold], [s.tags for s in pred])
