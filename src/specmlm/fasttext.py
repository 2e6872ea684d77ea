"""fastText vectors of a view's text: the encoder of the ``fasttext`` kind, trained in the pretrain stage.

A model directory holds the vectors as :data:`VECTORS` (the ``.vec`` text format) and
:data:`MODEL_FILE`, which names them; :class:`specmlm.tasks.fasttext_encoder.FastTextEncoder`
reads it for fine-tuning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fasttext_pybind
import numpy as np
from fasttext import FastText

from specmlm.atomic import atomic_open, write_json
from specmlm.errors import ConfigError, InputError

MODEL_FILE = "fasttext.json"
VECTORS = "vectors.vec"
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
    The directory holds the vectors as ``vectors.vec`` and :data:`MODEL_FILE`.
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
    write_json(out / MODEL_FILE, {"vectors": VECTORS, "dim": model.get_dimension(), "settings": options})
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
