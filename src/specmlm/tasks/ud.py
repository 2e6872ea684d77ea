"""Dependency parsing: a biaffine parser over the encoder, scored by LAS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from specmlm.formats.conllu import UDSentence, write_conllu
from specmlm.metrics.attachment import attachment_files, training_attachment_scores
from specmlm.tasks.biaffine import BiaffineParser
from specmlm.tasks.head import Head
from specmlm.tasks.task import Split, pad
from specmlm.tasks.treebank import TreebankFile, read_treebank, words_of


class UdTask(TreebankFile):
    """Dependency parsing; labels are full DEPRELs (subtypes kept in training and in the dev LAS
    that picks the epoch, ignored in the CoNLL 2018 LAS of the written files)."""

    name, folder, extension, metric = "ud", "ud", "conllu", "las"

    def read(self, path: Path, settings: dict[str, Any], written: bool = True) -> Split:
        sentences, views = read_treebank(path, written)
        return Split(path, [v.words for v in views], [(v.heads, v.deprels) for v in views], sentences)

    def labels(self, splits: list[Split]) -> list[str]:
        return sorted({rel for split in splits for _, rels in split.gold for rel in rels})

    def head(self, input_dim: int, labels: list[str]) -> Head:
        return BiaffineParser(input_dim, len(labels))

    def encode(self, gold: tuple[list[int], list[str]], index: dict[str, int]) -> tuple[list[int], list[int]]:
        heads, rels = gold
        return heads, [index[rel] for rel in rels]

    def collate(self, encoded: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad([heads for heads, _ in encoded]), pad([rels for _, rels in encoded])

    def to_strings(self, prediction: tuple[list[int], list[int]], labels: list[str]) -> tuple[list[int], list[str]]:
        heads, rels = prediction
        return heads, [labels[i] for i in rels]

    def score(self, split: Split, predictions: list[tuple[list[int], list[str]]]) -> dict[str, float | int]:
        """The dev score that picks the epoch: AllenNLP's LAS (punctuation skipped, full labels),
        as the paper's runs were early-stopped on; test and final scores are CoNLL 2018's."""
        tags = [[word["upos"] or "_" for word in words_of(sentence)] for sentence in split.source]

        def trees(annotations: list[tuple[list[int], list[str]]]) -> list[UDSentence]:
            return [UDSentence(words, upos, [], heads, rels)
                    for words, upos, (heads, rels) in zip(split.words, tags, annotations, strict=True)]

        return training_attachment_scores(trees(split.gold), trees(predictions))

    def write(
        self, split: Split, predictions: list[tuple[list[int], list[str]]], path: Path, settings: dict[str, Any]
    ) -> None:
        """HEAD and DEPREL replaced; DEPS (the enhanced graph built on the gold tree) blanked."""
        copies = self.copy_words(split)
        for (_, words), (heads, rels) in zip(copies, predictions, strict=True):
            for token, head, rel in zip(words, heads, rels, strict=True):
                token["head"], token["deprel"], token["deps"] = head, rel, None
        write_conllu(path, [sentence for sentence, _ in copies])

    def score_files(self, gold: Path, pred: Path, settings: dict[str, Any]) -> dict[str, float | int]:
        return attachment_files(gold, pred)
