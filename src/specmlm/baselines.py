"""Trivial baselines per task and view: the score a model must beat to show it has learned.

Each baseline is fitted on the same training sentences as the runs (the first
``max_train_sentences``) and scored on the same dev and test sentences (the first
``max_eval_sentences``) by the same metric functions the runs' prediction files are scored with:

- **POS** (``most_frequent_tag``): each word form gets the tag it has most often in training;
  a form unseen in training gets the most frequent tag overall.
- **UD** (``attach_previous`` or ``attach_next``): every word attaches to its left neighbour
  (the first word is the root) or to its right neighbour (the last word is the root), so each
  tree has exactly one root. The root gets ``root``; any other word the most frequent universal
  relation (``nsubj:pass`` counts as ``nsubj``) among the non-root training words with its gold
  UPOS, or the most frequent non-root relation overall for a UPOS unseen in training. Of the two
  directions, the one with the higher dev LAS is kept (the previous one on a tie) and scored on test.
- **NER** (``gazetteer``): every entity of the training data (strict IOB2 spans) is an entry,
  typed with the type it has most often; a sentence is tagged left to right, at each token the
  longest entry starting there is taken (exact, case-sensitive match) and tagging resumes after
  it. Scored as strict IOB2 span F1.
- **NER transfer** (``gazetteer``, :func:`transfer_score`): the same gazetteer, fitted on what a
  transfer setting's runs train on (``finetune.read_splits``): the source's train sentences cut
  to ``max_train_sentences``, then, few-shot, the target's first N train sentences; scored on
  the target's dev and test. In-language it is the target's own NER baseline above.

Every tie between counts goes to the label seen first in training, so the baselines are
deterministic. The functions are pure: they take sentences, not files, except :func:`score_view`,
:func:`transfer_score` and the tables built on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from specmlm.errors import ConfigError
from specmlm.formats.conllu import POS_COLUMNS, UDSentence, read_ud
from specmlm.formats.ner import NerSentence, read_prepared_ner
from specmlm.metrics.attachment import attachment_scores, universal
from specmlm.metrics.pos_accuracy import pos_accuracy
from specmlm.metrics.span_f1 import entity_spans, span_f1

METRIC = {"pos": "accuracy", "ud": "las", "ner": "span_f1"}
DIRECTIONS = ("previous", "next")

Tree = tuple[list[int], list[str]]


@dataclass(frozen=True)
class BaselineScore:
    """One baseline's dev and test score (fractions in [0, 1]) and which rule produced them."""

    method: str
    dev: float
    test: float


def majority(labels: Sequence[str]) -> str:
    """The most frequent label; a tie goes to the one seen first."""
    return Counter(labels).most_common(1)[0][0]


@dataclass(frozen=True)
class TagLexicon:
    """Most frequent tag per word form, and the most frequent tag for unseen forms."""

    tags: dict[str, str]
    default: str

    @classmethod
    def fit(cls, words: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> TagLexicon:
        seen: dict[str, list[str]] = {}
        for sentence_words, sentence_tags in zip(words, tags, strict=True):
            for word, tag in zip(sentence_words, sentence_tags, strict=True):
                seen.setdefault(word, []).append(tag)
        every = [tag for sentence in tags for tag in sentence]
        return cls({word: majority(found) for word, found in seen.items()}, majority(every))

    def tag(self, words: Sequence[Sequence[str]]) -> list[list[str]]:
        return [[self.tags.get(word, self.default) for word in sentence] for sentence in words]


@dataclass(frozen=True)
class AdjacentParser:
    """Attach each word to a neighbour; the relation is the most frequent one of its gold UPOS."""

    relations: dict[str, str]
    default: str

    @classmethod
    def fit(cls, sentences: Sequence[UDSentence]) -> AdjacentParser:
        by_pos: dict[str, list[str]] = {}
        every: list[str] = []
        for sentence in sentences:
            for pos, head, rel in zip(sentence.upos, sentence.heads, sentence.deprels, strict=True):
                if head == 0:
                    continue
                by_pos.setdefault(pos, []).append(universal(rel))
                every.append(universal(rel))
        if not every:
            raise ValueError("no non-root words in the training sentences")
        return cls({pos: majority(rels) for pos, rels in by_pos.items()}, majority(every))

    def parse(self, sentence: UDSentence, direction: str) -> Tree:
        """Heads and relations of one sentence; ``direction`` is ``previous`` or ``next``."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, found {direction!r}")
        n = len(sentence.words)
        root = 1 if direction == "previous" else n
        heads = [i - 1 if direction == "previous" else i + 1 for i in range(1, n + 1)]
        heads[root - 1] = 0
        rels = ["root" if head == 0 else self.relations.get(pos, self.default)
                for pos, head in zip(sentence.upos, heads, strict=True)]
        return heads, rels


@dataclass(frozen=True)
class Gazetteer:
    """Training entities by their token sequence, each with its most frequent type."""

    entries: dict[tuple[str, ...], str]

    @classmethod
    def fit(cls, sentences: Sequence[NerSentence]) -> Gazetteer:
        types: dict[tuple[str, ...], list[str]] = {}
        for sentence in sentences:
            for kind, start, end in sorted(entity_spans(sentence.tags), key=lambda span: span[1]):
                types.setdefault(tuple(sentence.tokens[start:end]), []).append(kind)
        return cls({tokens: majority(found) for tokens, found in types.items()})

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """IOB2 tags: at each token the longest entry starting there, then on after it."""
        longest = max(map(len, self.entries), default=0)
        tags = ["O"] * len(tokens)
        i = 0
        while i < len(tokens):
            for length in range(min(longest, len(tokens) - i), 0, -1):
                kind = self.entries.get(tuple(tokens[i : i + length]))
                if kind is not None:
                    tags[i : i + length] = [f"B-{kind}"] + [f"I-{kind}"] * (length - 1)
                    i += length
                    break
            else:
                i += 1
        return tags


def pos_baseline(train: Sequence[UDSentence], dev: Sequence[UDSentence], test: Sequence[UDSentence],
                 column: str) -> BaselineScore:
    """Accuracy of the most frequent tag per word on dev and test."""
    if column not in POS_COLUMNS:
        raise ConfigError("pos_column", f"expected one of {POS_COLUMNS}, found {column!r}")
    lexicon = TagLexicon.fit([s.words for s in train], [s.tags(column) for s in train])

    def accuracy(split: Sequence[UDSentence]) -> float:
        return float(pos_accuracy([s.tags(column) for s in split], lexicon.tag([s.words for s in split]))["accuracy"])

    return BaselineScore("most_frequent_tag", accuracy(dev), accuracy(test))


def ud_baseline(train: Sequence[UDSentence], dev: Sequence[UDSentence], test: Sequence[UDSentence]) -> BaselineScore:
    """LAS of the better direction on dev (attach to the previous or the next word), on dev and test."""
    parser = AdjacentParser.fit(train)

    def las(split: Sequence[UDSentence], direction: str) -> float:
        predicted = []
        for sentence in split:
            heads, rels = parser.parse(sentence, direction)
            predicted.append(UDSentence(sentence.words, sentence.upos, sentence.xpos, heads, rels))
        return float(attachment_scores(split, predicted)["las"])

    dev_scores = {direction: las(dev, direction) for direction in DIRECTIONS}
    best = max(DIRECTIONS, key=lambda d: dev_scores[d])  # max keeps the first on a tie: previous
    return BaselineScore(f"attach_{best}", dev_scores[best], las(test, best))


def ner_baseline(train: Sequence[NerSentence], dev: Sequence[NerSentence], test: Sequence[NerSentence]) -> BaselineScore:
    """Strict IOB2 span F1 of the longest-match-first training gazetteer on dev and test."""
    gazetteer = Gazetteer.fit(train)

    def f1(split: Sequence[NerSentence]) -> float:
        return float(span_f1([s.tags for s in split], [gazetteer.tag(s.tokens) for s in split])["span_f1"])

    return BaselineScore("gazetteer", f1(dev), f1(test))


def score_view(task: str, files: dict[str, str | Path], pos_column: str | None,
               max_train_sentences: int | None, max_eval_sentences: int | None) -> BaselineScore:
    """The baseline of one task on one view's prepared ``train``/``dev``/``test`` files, cut as the runs cut them."""
    if task not in METRIC:
        raise ConfigError("task", f"expected one of {sorted(METRIC)}, found {task!r}")
    read = read_prepared_ner if task == "ner" else read_ud
    train = read(files["train"])[:max_train_sentences]
    dev, test = (read(files[split])[:max_eval_sentences] for split in ("dev", "test"))
    if task == "pos":
        if pos_column is None:
            raise ConfigError("pos_column", "the pos task needs one of upos, xpos")
        return pos_baseline(train, dev, test, pos_column)
    return ud_baseline(train, dev, test) if task == "ud" else ner_baseline(train, dev, test)


def transfer_score(train_files: Sequence[str | Path], files: dict[str, str | Path], shots: int,
                   max_train_sentences: int | None, max_eval_sentences: int | None) -> BaselineScore:
    """The NER baseline of a transfer setting on the target's prepared ``files``, trained on the
    concatenated ``train_files`` cut to ``max_train_sentences`` plus the target's first ``shots``
    train sentences: the cut ``finetune.read_splits`` makes, so baseline and runs learn from the same data."""
    source = [sentence for path in train_files for sentence in read_prepared_ner(path)][:max_train_sentences]
    train = source + read_prepared_ner(files["train"])[:shots]
    dev, test = (read_prepared_ner(files[split])[:max_eval_sentences] for split in ("dev", "test"))
    return ner_baseline(train, dev, test)


TABLE_COLUMNS = ["task", "view", "metric", "method", "dev", "test"]
TRANSFER_COLUMNS = ["source", "target", "setting", "method", "dev", "test"]


def baseline_table(cells: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """``results/tables/baselines.csv``: one row per cell (``task``, ``view``, ``pos_column``,
    ``files`` and the task's cut, ``max_train_sentences`` and ``max_eval_sentences``), scores in
    percent as in the task tables."""
    rows = []
    for cell in cells:
        score = score_view(cell["task"], cell["files"], cell["pos_column"], cell["max_train_sentences"],
                           cell["max_eval_sentences"])
        rows.append({"task": cell["task"], "view": cell["view"], "metric": METRIC[cell["task"]], "method": score.method,
                     "dev": round(100 * score.dev, 2), "test": round(100 * score.test, 2)})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def transfer_baselines(cells: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The baseline of each transfer cell (``source``, ``target``, ``setting``, ``train_files``,
    ``shots``, the target's ``files`` and NER's cut), span F1 in percent as in the transfer table."""
    rows = []
    for cell in cells:
        score = transfer_score(cell["train_files"], cell["files"], cell["shots"], cell["max_train_sentences"],
                               cell["max_eval_sentences"])
        rows.append({"source": cell["source"], "target": cell["target"], "setting": cell["setting"],
                     "method": score.method, "dev": round(100 * score.dev, 2), "test": round(100 * score.test, 2)})
    return pd.DataFrame(rows, columns=TRANSFER_COLUMNS)
