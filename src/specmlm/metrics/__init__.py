"""Scorers that read WRITTEN prediction files and compare them with gold files.

Scoring the files a run leaves behind (not tensors in memory) is what lets anyone re-check a
number with an outside tool. Each scorer first checks that gold and prediction hold the same
sentences and words, so a dropped or truncated sentence is an error and never a better score.
Scores are fractions in [0, 1]; tables multiply by 100.
"""

from specmlm.metrics.attachment import attachment_files, attachment_scores
from specmlm.metrics.pos_accuracy import pos_accuracy, pos_accuracy_files
from specmlm.metrics.span_f1 import entity_spans, span_f1, span_f1_files

__all__ = [
    "attachment_files",
    "attachment_scores",
    "entity_spans",
    "pos_accuracy",
    "pos_accuracy_files",
    "span_f1",
    "span_f1_files",
]
