"""LAS and UAS with the CoNLL 2018 shared-task scorer's semantics, for gold tokenisation.

With gold tokenisation every syntactic word aligns with itself, so the official scorer's LCS
alignment reduces to position: a word counts for UAS when its HEAD matches, for LAS when HEAD
and the universal DEPREL (the part before ``:``) match. Punctuation counts. Multiword-token
range lines are not words and never enter the count. ``tests/test_metrics.py`` checks these
numbers against the official ``conll18_ud_eval`` shipped in ``udtools``.

``training_attachment_scores`` is the other LAS, the one that picked the paper's epochs
(PAPER §7.3): AllenNLP's ``AttachmentScores`` as its biaffine parser feeds it, which skips every
word whose gold POS tag is punctuation and compares whole labels, subtypes included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from specmlm.formats.conllu import UDSentence, read_ud
from specmlm.metrics.alignment import check_same_words


def universal(deprel: str) -> str:
    """Drop a language-specific subtype: ``nsubj:pass`` -> ``nsubj``."""
    return deprel.split(":", 1)[0]


PUNCTUATION_TAGS = frozenset({"``", "''", ":", ",", ".", "PU", "PUNCT", "SYM"})
"""AllenNLP ``biaffine_parser``'s ``POS_TO_IGNORE``; its UD reader gives UPOS, so PUNCT and SYM."""


def _attachment(gold: Sequence[UDSentence], pred: Sequence[UDSentence], counted: Callable[[str], bool],
                label: Callable[[str], str]) -> dict[str, float | int]:
    """UAS and LAS over the words whose gold tag is ``counted``, labels compared as ``label`` maps them."""
    words = uas = las = 0
    for gold_sentence, pred_sentence in zip(gold, pred, strict=True):
        for tag, gold_head, pred_head, gold_rel, pred_rel in zip(
            gold_sentence.upos, gold_sentence.heads, pred_sentence.heads, gold_sentence.deprels,
            pred_sentence.deprels, strict=True,
        ):
            if not counted(tag):
                continue
            words += 1
            if gold_head == pred_head:
                uas += 1
                las += label(gold_rel) == label(pred_rel)
    return {
        "las": las / words if words else 0.0,
        "uas": uas / words if words else 0.0,
        "las_correct": las,
        "uas_correct": uas,
        "words": words,
    }


def attachment_scores(gold: Sequence[UDSentence], pred: Sequence[UDSentence]) -> dict[str, float | int]:
    """UAS and LAS of aligned sentences (the caller has checked that their words match)."""
    return _attachment(gold, pred, counted=lambda tag: True, label=universal)


def training_attachment_scores(gold: Sequence[UDSentence], pred: Sequence[UDSentence]) -> dict[str, float | int]:
    """UAS and LAS as AllenNLP reported them during training: words tagged as punctuation in
    ``gold.upos`` are skipped, and a label is right only when it matches with its subtype."""
    return _attachment(gold, pred, counted=lambda tag: tag not in PUNCTUATION_TAGS, label=lambda rel: rel)


def attachment_files(gold_path: str | Path, pred_path: str | Path) -> dict[str, float | int]:
    """Score a predicted CoNLL-U file against the gold file."""
    gold = read_ud(gold_path)
    pred = read_ud(pred_path)
    check_same_words(gold_path, [s.words for s in gold], pred_path, [s.words for s in pred])
    return attachment_scores(gold, pred)
