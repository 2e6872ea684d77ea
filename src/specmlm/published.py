"""The paper's published test results (PAPER §10), as data for the tables to sit beside.

Means are percentages over 5 seed sets; a std is given only where the paper's value is known.
Keys are the study's variant and view names (``ug-Latn`` is the paper's "ug-Latin").
"""

from __future__ import annotations

LANGS = {
    "pos": ("be", "bg", "ga", "mt", "ug", "ur", "vi", "wo"),
    "ud": ("be", "bg", "ga", "mt", "ug", "ur", "vi", "wo"),
    "ner": ("be", "bg", "ga", "mt", "ug", "ur", "vi", "mhr"),
}
METRIC = {"pos": "accuracy", "ud": "las", "ner": "span_f1"}

_POS = {
    "fasttext": (68.84, 88.86, 86.87, 89.68, 89.45, 90.81, 81.84, 87.48),
    "roberta": (91.00, 94.48, 90.36, 92.61, 90.87, 89.88, 84.73, 87.71),
    "mbert": (94.57, 96.98, 91.91, 94.01, 78.07, 91.77, 88.97, 93.04),
    "lapt": (95.74, 97.15, 93.28, 95.76, 79.88, 92.18, 89.64, 94.58),
    "va": (95.28, 97.20, 93.33, 96.33, 91.49, 92.24, 89.49, 94.48),
}
_UD = {
    "fasttext": (35.81, 84.03, 65.58, 68.45, 54.52, 79.33, 54.91, 70.39),
    "roberta": (45.77, 84.61, 64.02, 65.92, 60.34, 78.07, 54.70, 60.12),
    "mbert": (71.83, 91.62, 71.68, 76.63, 47.70, 81.45, 64.58, 76.24),
    "lapt": (72.77, 92.08, 74.79, 81.53, 50.67, 81.78, 66.15, 80.34),
    "va": (73.22, 91.90, 74.35, 82.00, 67.55, 81.88, 65.64, 80.22),
}
_NER = {
    "fasttext": (84.26, 87.98, 67.21, 33.53, 0.00, 92.85, 85.57, 35.28),
    "roberta": (88.08, 90.31, 76.58, 54.64, 61.54, 94.04, 88.08, 54.17),
    "mbert": (91.13, 92.56, 82.82, 61.86, 50.76, 94.60, 92.13, 61.85),
    "lapt": (91.61, 92.96, 84.13, 81.53, 56.76, 95.17, 92.41, 59.17),
    "va": (91.38, 92.70, 84.82, 80.00, 68.93, 95.43, 92.43, 64.23),
}
_STD = {
    ("pos", "be", "lapt"): 0.44,
    ("ud", "be", "mbert"): 0.90,
    ("ud", "be", "lapt"): 1.12,
    ("ud", "be", "va"): 1.23,
    ("ner", "be", "fasttext"): 0.86, ("ner", "bg", "fasttext"): 0.76, ("ner", "ga", "fasttext"): 4.30, ("ner", "mt", "fasttext"): 17.89,
    ("ner", "be", "roberta"): 0.62, ("ner", "bg", "roberta"): 0.20, ("ner", "ga", "roberta"): 0.98, ("ner", "mt", "roberta"): 3.51, ("ner", "ug", "roberta"): 3.70,
    ("ner", "be", "mbert"): 0.07, ("ner", "bg", "mbert"): 0.09, ("ner", "ga", "mbert"): 0.57, ("ner", "mt", "mbert"): 2.60, ("ner", "ug", "mbert"): 1.86, ("ner", "ur", "mbert"): 0.34,
    ("ner", "be", "lapt"): 0.74, ("ner", "bg", "lapt"): 0.13, ("ner", "ga", "lapt"): 0.78, ("ner", "mt", "lapt"): 2.33, ("ner", "ug", "lapt"): 4.91, ("ner", "ur", "lapt"): 0.29,
    ("ner", "be", "va"): 0.56, ("ner", "bg", "va"): 0.11, ("ner", "ga", "va"): 1.00, ("ner", "mt", "va"): 2.77, ("ner", "ug", "va"): 3.30,
}
# PAPER §10.4: the transliterated views.
_LATIN = {
    ("ner", "mhr-Latn"): {"fasttext": 41.32, "roberta": 48.45, "mbert": 63.84, "lapt": 63.68, "va": 63.19},
    ("ner", "ug-Latn"): {"fasttext": 0.00, "roberta": 63.05, "mbert": 56.80, "lapt": 67.57, "va": 67.10},
    ("pos", "ug-Latn"): {"fasttext": 89.03, "roberta": 90.76, "mbert": 91.34, "lapt": 92.59, "va": 92.64},
    ("ud", "ug-Latn"): {"fasttext": 54.45, "roberta": 60.08, "mbert": 65.85, "lapt": 69.39, "va": 68.58},
}


def _build() -> dict[tuple[str, str, str], float]:
    table: dict[tuple[str, str, str], float] = {}
    for task, rows in (("pos", _POS), ("ud", _UD), ("ner", _NER)):
        for variant, values in rows.items():
            for lang, value in zip(LANGS[task], values, strict=True):
                table[(task, lang, variant)] = value
    for (task, view), rows in _LATIN.items():
        for variant, value in rows.items():
            table[(task, view, variant)] = value
    return table


PUBLISHED = _build()


def published(task: str, view: str, variant: str) -> tuple[float | None, float | None]:
    """The paper's (mean, std) for a cell, ``None`` where the paper has no such number."""
    return PUBLISHED.get((task, view, variant)), _STD.get((task, view, variant))


# PAPER §11: held-out MLM loss of each pretrained model. Per view: mBERT's loss before any
# adaptation, then (epoch, loss) for the LAPT and VA checkpoints the paper kept, and RoBERTa's
# loss at epoch 20 (its last). ug-Latn VA is the 8-epoch log's best (PAPER §11 footnote).
_SELECTION = {
    # view: (mBERT start loss, LAPT (epoch, loss), VA (epoch, loss), RoBERTa loss at epoch 20)
    "be": (1.6133, (2, 1.0182), (2, 1.2148), 3.3137),
    "bg": (1.8401, (2, 1.1133), (4, 1.3705), 2.8881),
    "ga": (2.5414, (4, 1.1144), (5, 1.0780), 2.8470),
    "mhr": (4.8685, (3, 1.1097), (3, 1.1723), 3.3487),
    "mhr-Latn": (None, (3, 1.2374), (4, 1.1088), 3.2957),
    "mt": (5.2126, (3, 0.9414), (4, 0.9966), 3.1299),
    "ug": (4.2168, (3, 0.8872), (5, 0.8590), 4.3403),
    "ug-Latn": (None, (3, 1.2539), (5, 1.6950), 4.4993),
    "ur": (2.1924, (2, 1.5152), (6, 1.5851), 2.9676),
    "vi": (2.1212, (2, 1.4518), (2, 1.4927), 2.2654),
    "wo": (5.7658, (5, 1.8882), (5, 2.2841), 4.5327),
}
ROBERTA_EPOCH = 20


def _build_selection() -> dict[tuple[str, str], tuple[float | None, int, float]]:
    table: dict[tuple[str, str], tuple[float | None, int, float]] = {}
    for view, (start, lapt, va, roberta) in _SELECTION.items():
        table[(view, "lapt")] = (start, *lapt)
        table[(view, "va")] = (None, *va)
        table[(view, "roberta")] = (None, ROBERTA_EPOCH, roberta)
    return table


PUBLISHED_SELECTION = _build_selection()


def published_selection(view: str, variant: str) -> tuple[float | None, int | None, float | None]:
    """The paper's (starting loss, epoch, held-out loss) for a pretrained model; ``None`` where it has none.

    The epoch is the checkpoint the paper kept for LAPT and VA, and epoch 20 for RoBERTa, whose
    loss the paper gives only there. The starting loss is mBERT's before LAPT (LAPT rows only).
    """
    return PUBLISHED_SELECTION.get((view, variant), (None, None, None))


# PAPER §4.6: the sizes the paper's unlabelled corpora are known or inferred to have, per split
# (lines; whitespace tokens where known). mhr and ug come from their Latin views' valid splits
# (same text, transliterated); ga, mt and vi from Chau et al. 2020's released corpora.
CORPUS_SIZE_HINTS: dict[str, dict[str, dict[str, int]]] = {
    "ga": {"valid": {"lines": 25_697, "tokens": 459_000}},
    "mt": {"valid": {"lines": 6_345, "tokens": 107_000}},
    "vi": {"test": {"lines": 31_419, "tokens": 683_000}},
    "mhr": {"valid": {"lines": 5_473}},
    "ug": {"valid": {"lines": 15_758}},
}
