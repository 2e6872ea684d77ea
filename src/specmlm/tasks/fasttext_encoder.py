"""The fastText + BiLSTM baseline: static vectors trained on the view's text, then a task BiLSTM.

A model directory for this encoder is what :func:`specmlm.fasttext.train_fasttext` writes:
``fasttext.json`` and the ``.vec`` file it names. The embedding vocabulary is every word of the vectors
plus every training word; words without a vector are drawn from a normal with the vectors'
mean and standard deviation (AllenNLP's rule), and unseen words at test time share one UNK row.
The embedding's gradients are sparse, so the optimiser moves only the rows of a batch's words
(``specmlm.tasks.optimizer``: SparseAdam's update, as AllenNLP's ``dense_sparse_adam``).

The task BiLSTM is the authors' (PAPER §5.1): for POS and NER AllenNLP's ``lstm`` (torch's
``nn.LSTM``, dropout between layers); for UD its ``stacked_bidirectional_lstm``, layers of
``AugmentedLstm`` with recurrent dropout (one mask per sequence on the previous hidden state,
the same at every time step) and a highway connection from each layer's input. Its shape is the
``bilstm`` fine-tuning setting, by task, over the paper's :data:`BILSTM`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from specmlm.errors import ConfigError
from specmlm.fasttext import MODEL_FILE, read_vectors

PAD, UNK = 0, 1

BILSTM: dict[str, dict[str, Any]] = {
    "pos": {"type": "lstm", "layers": 2, "hidden": 200, "dropout": 0.5},
    "ner": {"type": "lstm", "layers": 2, "hidden": 200, "dropout": 0.5},
    "ud": {"type": "stacked_bidirectional_lstm", "layers": 3, "hidden": 400, "dropout": 0.3},
}
"""Paper §5.1, by task: the AllenNLP encoder type, layers, hidden size per direction, and dropout
(``lstm``: between layers; ``stacked_bidirectional_lstm``: recurrent)."""


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


def block_orthogonal(weight: torch.Tensor, rows: int) -> None:
    """AllenNLP's ``block_orthogonal``: each block of ``rows`` rows (one gate) orthogonal on its own."""
    with torch.no_grad():
        for start in range(0, weight.shape[0], rows):
            nn.init.orthogonal_(weight[start : start + rows])


class AugmentedLstm(nn.Module):
    """One direction of AllenNLP's ``AugmentedLstm`` (highway on, no input projection bias).

    Gates, in AllenNLP's order: input, forget, memory, output, highway. The highway output is
    ``r * h + (1 - r) * W x``, with ``r`` the highway gate and ``W x`` the sixth block of the
    input projection. In training the previous hidden state is multiplied by one dropout mask per
    sequence, drawn once per batch and used at every time step (variational recurrent dropout).
    """

    def __init__(self, input_size: int, hidden: int, forward: bool, recurrent_dropout: float) -> None:
        super().__init__()
        self.hidden, self.forward_direction, self.recurrent_dropout = hidden, forward, recurrent_dropout
        self.input_linearity = nn.Linear(input_size, 6 * hidden, bias=False)
        self.state_linearity = nn.Linear(hidden, 5 * hidden)
        block_orthogonal(self.input_linearity.weight, hidden)
        block_orthogonal(self.state_linearity.weight, hidden)
        with torch.no_grad():
            self.state_linearity.bias.zero_()
            self.state_linearity.bias[hidden : 2 * hidden] = 1.0

    def dropout_mask(self, batch: int, like: torch.Tensor) -> torch.Tensor | None:
        if not self.training or self.recurrent_dropout == 0:
            return None
        keep = 1 - self.recurrent_dropout
        return torch.bernoulli(like.new_full((batch, self.hidden), keep)) / keep

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``inputs`` (batch, time, features), padded after ``lengths``; padded outputs are 0."""
        batch, steps, _ = inputs.shape
        size = self.hidden
        projected = self.input_linearity(inputs)
        memory = inputs.new_zeros(batch, size)
        state = inputs.new_zeros(batch, size)
        mask = self.dropout_mask(batch, inputs)
        lengths = lengths.to(inputs.device).unsqueeze(1)
        outputs: list[torch.Tensor] = [memory] * steps
        for step in range(steps) if self.forward_direction else reversed(range(steps)):
            previous = state * mask if mask is not None else state
            gates = projected[:, step, : 5 * size] + self.state_linearity(previous)
            input_gate, forget_gate, memory_init, output_gate, highway_gate = gates.split(size, dim=1)
            new_memory = torch.sigmoid(input_gate) * torch.tanh(memory_init) + torch.sigmoid(forget_gate) * memory
            output = torch.sigmoid(output_gate) * torch.tanh(new_memory)
            highway = torch.sigmoid(highway_gate)
            output = highway * output + (1 - highway) * projected[:, step, 5 * size :]
            valid = step < lengths
            memory = torch.where(valid, new_memory, memory)
            state = torch.where(valid, output, state)
            outputs[step] = output * valid
        return torch.stack(outputs, dim=1)


class StackedBidirectionalLstm(nn.Module):
    """AllenNLP's ``stacked_bidirectional_lstm``: each layer a forward and a backward
    ``AugmentedLstm`` over the previous layer's concatenated output (no dropout between layers,
    AllenNLP's default)."""

    def __init__(self, input_size: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        sizes = [input_size] + [2 * hidden] * (layers - 1)
        self.layers = nn.ModuleList(
            nn.ModuleList([AugmentedLstm(size, hidden, True, dropout), AugmentedLstm(size, hidden, False, dropout)])
            for size in sizes
        )

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for forward, backward in self.layers:
            inputs = torch.cat([forward(inputs, lengths), backward(inputs, lengths)], dim=-1)
        return inputs


class TorchBiLstm(nn.Module):
    """AllenNLP's ``lstm`` encoder: torch's bidirectional ``nn.LSTM``, dropout between layers."""

    def __init__(self, input_size: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, num_layers=layers, dropout=dropout, bidirectional=True,
                            batch_first=True)
        init_lstm(self.lstm)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0]


BILSTM_TYPES: dict[str, Callable[[int, int, int, float], nn.Module]] = {
    "lstm": TorchBiLstm,
    "stacked_bidirectional_lstm": StackedBidirectionalLstm,
}

_SHAPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "type": (lambda v: v in BILSTM_TYPES, f"one of {', '.join(BILSTM_TYPES)}"),
    "layers": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1"),
    "hidden": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1"),
    "dropout": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1, "a number in [0, 1)"),
}


def bilstm_shape(task: str, overrides: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """The paper's BiLSTM for ``task`` with the ``bilstm`` setting's entries for it on top."""
    given = dict((overrides or {}).get(task) or {})
    for key, value in given.items():
        if key not in _SHAPE_CHECKS:
            raise ConfigError(f"bilstm.{task}.{key}", f"unknown setting; expected one of {', '.join(_SHAPE_CHECKS)}")
        check, expected = _SHAPE_CHECKS[key]
        if not check(value):
            raise ConfigError(f"bilstm.{task}.{key}", f"expected {expected}, found {value!r}")
    return {**BILSTM[task], **given}


class FastTextEncoder(nn.Module):
    """Trainable word embeddings initialised from fastText, under a task BiLSTM."""

    def __init__(self, model_dir: str | Path, task: str, train_sentences: list[list[str]],
                 bilstm: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        super().__init__()
        meta = json.loads((Path(model_dir) / MODEL_FILE).read_text(encoding="utf-8"))
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
        self.embedding = nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=PAD, sparse=True)
        shape = bilstm_shape(task, bilstm)
        self.bilstm = BILSTM_TYPES[shape["type"]](dim, shape["hidden"], shape["layers"], shape["dropout"])
        self.output_dim: int = 2 * shape["hidden"]

    def pretrained_module(self) -> None:
        """Nothing here is frozen or trained at the transformer rate: all of it is task-level."""
        return None

    def prepare(self, sentences: list[list[str]]) -> list[list[int]]:
        return [[self.vocab.get(word, UNK) for word in words] for words in sentences]

    def narrow(self, items: list[list[int]]) -> None:
        """Nothing to narrow: the rows are the vectors' words and the training words, and their
        gradients are sparse, so the optimiser already moves only a batch's rows."""

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
        vectors = self.bilstm(self.embedding(ids), lengths)
        mask = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0) < lengths.to(ids.device).unsqueeze(1)
        return vectors, mask
