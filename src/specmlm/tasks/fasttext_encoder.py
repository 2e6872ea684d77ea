"""The fastText + BiLSTM baseline: static vectors trained on the view's text, then a task BiLSTM.

A model directory for this encoder holds ``fasttext.json`` (the marker ``run_finetune`` looks
for) and the ``.vec`` file it names. The embedding vocabulary is every word of the vectors
plus every training word; words without a vector are drawn from a normal with the vectors'
mean and standard deviation (AllenNLP's rule), and unseen words at test time share one UNK row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fasttext_pybind
import numpy as np
import torch
from fasttext import FastText
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from specmlm.atomic import atomic_open, write_json
from specmlm.errors import ConfigError, InputError

MARKER = "fasttext.json"
VECTORS = "vectors.vec"
PAD, UNK = 0, 1

# Paper §5.1: POS and NER use a 2 x 200 BiLSTM (dropout 0.5), UD a 3 x 400 one (dropout 0.3).
BILSTM = {
    "pos": {"layers": 2, "hidden": 200, "dropout": 0.5},
    "ner": {"layers": 2, "hidden": 200, "dropout": 0.5},
    "ud": {"layers": 3, "hidden": 400, "dropout": 0.3},
}
# Skip-gram, dim 100, library defaults otherwise; one thread, so a seed gives the same vectors.
FASTTEXT_DEFAULTS: dict[str, Any] = {"model": "skipgram", "dim": 100, "thread": 1, "verbose": 0}


def _train_unsupervised(text_file: str, options: dict[str, Any]) -> Any:
    """``fasttext.train_unsupervised`` that also takes ``seed``.

    fastText 0.9.3's C++ trainer seeds its RNG from ``args.seed``, but the Python wrapper's
    list of accepted names leaves ``seed`` out; this is the wrapper's own body with the full
    list of its defaults as the accepted names (``min_count`` style aliases still work).
    """
    names = ["input", *FastText.unsupervised_default]
    args, manually_set = FastText.read_args((), {"input": text_file, **options}, names, FastText.unsupervised_default)
    built = FastText._build_args(args, manually_set)
    model = FastText._FastText(args=built)
    fasttext_pybind.train(model.f, built)
    model.set_args(model.f.getArgs())
    return model


def train_fasttext(text_file: str | Path, out_path: str | Path, settings: dict[str, Any]) -> Path:
    """Train fastText vectors on unlabelled text and write a model directory at ``out_path``.

    ``settings`` are fastText's own option names (``min_count``/``minCount``, ``epoch``,
    ``seed``, ...) over :data:`FASTTEXT_DEFAULTS`; ``threads`` is accepted for ``thread``.
    The directory holds the vectors as ``vectors.vec`` and :data:`MARKER`.
    """
    options = {**FASTTEXT_DEFAULTS, **{("thread" if k == "threads" else k): v for k, v in settings.items()}}
    try:
        model = _train_unsupervised(str(text_file), options)
    except TypeError as error:  # fastText's message names the unknown option
        raise ConfigError(str(error).rsplit(" ", 1)[-1].strip("'"), f"not a fastText option: {error}") from None
    out = Path(out_path)
    words = model.words
    with atomic_open(out / VECTORS) as handle:
        handle.write(f"{len(words)} {model.get_dimension()}\n")
        for word in words:
            vector = model.get_word_vector(word)
            handle.write(word + " " + " ".join(f"{value:.6f}" for value in vector) + "\n")
    write_json(out / MARKER, {"vectors": VECTORS, "dim": model.get_dimension(), "settings": options})
    return out


def read_vectors(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a ``.vec`` file (a ``count dim`` header, then ``word v1 ... vdim`` per line)."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().split()
        if len(header) != 2:
            raise InputError(path, 1, "expected a '.vec' header 'count dim'")
        dim = int(header[1])
        words: list[str] = []
        rows: list[np.ndarray] = []
        for number, line in enumerate(handle, start=2):
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if len(parts) != dim + 1:
                raise InputError(path, number, f"expected a word and {dim} numbers, found {len(parts)} fields")
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    return words, np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)


def init_lstm(lstm: nn.LSTM) -> None:
    """AllenNLP's LSTM init: xavier input weights, orthogonal recurrent ones, forget bias 1."""
    for name, parameter in lstm.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(parameter)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(parameter)
        else:
            nn.init.zeros_(parameter)
            if name.startswith("bias_hh"):
                parameter.data[lstm.hidden_size : 2 * lstm.hidden_size] = 1.0


class FastTextEncoder(nn.Module):
    """Trainable word embeddings initialised from fastText, under a task BiLSTM."""

    def __init__(self, model_dir: str | Path, task: str, train_sentences: list[list[str]]) -> None:
        super().__init__()
        meta = json.loads((Path(model_dir) / MARKER).read_text(encoding="utf-8"))
        words, vectors = read_vectors(Path(model_dir) / meta["vectors"])
        vocab = {"@@PADDING@@": PAD, "@@UNKNOWN@@": UNK}
        for word in words + [w for sentence in train_sentences for w in sentence]:
            vocab.setdefault(word, len(vocab))
        self.vocab = vocab
        dim = vectors.shape[1]
        mean, std = (float(vectors.mean()), float(vectors.std())) if len(words) else (0.0, 1.0)
        weight = torch.empty(len(vocab), dim).normal_(mean, std)
        weight[PAD] = 0.0
        rows = torch.tensor([vocab[word] for word in words], dtype=torch.long)
        weight[rows] = torch.from_numpy(vectors)
        self.embedding = nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=PAD)
        shape = BILSTM[task]
        self.lstm = nn.LSTM(
            dim, shape["hidden"], num_layers=shape["layers"], dropout=shape["dropout"],
            bidirectional=True, batch_first=True,
        )
        init_lstm(self.lstm)
        self.output_dim: int = 2 * shape["hidden"]

    def pretrained_module(self) -> None:
        """Nothing here is frozen or trained at the transformer rate: all of it is task-level."""
        return None

    def prepare(self, sentences: list[list[str]]) -> list[list[int]]:
        return [[self.vocab.get(word, UNK) for word in words] for words in sentences]

    @staticmethod
    def length(item: list[int]) -> int:
        return len(item)

    def collate(self, items: list[list[int]]) -> dict[str, torch.Tensor]:
        lengths = torch.tensor([len(item) for item in items])
        ids = torch.zeros(len(items), int(lengths.max()), dtype=torch.long)
        for row, item in enumerate(items):
            ids[row, : len(item)] = torch.tensor(item)
        return {"ids": ids, "lengths": lengths}

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        packed = pack_padded_sequence(self.embedding(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        vectors, _ = pad_packed_sequence(output, batch_first=True, total_length=ids.shape[1])
        mask = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0) < lengths.to(ids.device).unsqueeze(1)
        return vectors, mask
