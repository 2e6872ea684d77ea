"""The variant kinds: each entry is consistent, and the builders the rules' scripts call run by kind."""

from __future__ import annotations

import json
from pathlib import Path

from specmlm.representations import KINDS, build_model, build_vocab
from tests.conftest import DEMO_DATA

MALTESE = DEMO_DATA / "text" / "mt" / "parsing-mbert_mt_valid.txt"


def test_a_kind_has_a_job_exactly_when_it_has_its_builder() -> None:
    for name, kind in KINDS.items():
        assert bool(kind.vocab_inputs) == (kind.vocab is not None), name
        assert bool(kind.model_inputs) == (kind.model is not None) == (kind.pretrain is not None), name
        assert (kind.model_dir == "results/base/{base}") == (kind.model is None), name  # used as released
        paths = [*kind.vocab_inputs.values(), *kind.model_inputs.values(), kind.model_dir]
        assert kind.needs_base == any("{base}" in path for path in paths), name
    assert [name for name, kind in KINDS.items() if kind.needs_text] == ["lapt", "va", "scratch", "fasttext"]


def test_builders_are_picked_by_kind(tmp_path: Path) -> None:
    text = tmp_path / "train.txt"
    text.write_text("\n".join(MALTESE.read_text(encoding="utf-8").splitlines()[:300]) + "\n", encoding="utf-8")
    vocab = build_vocab({"kind": "scratch", "vocab_size": 400, "min_frequency": 2}, {"text": str(text)}, str(tmp_path / "vocab"))
    assert vocab == {"vocab_size": 400} and (tmp_path / "vocab" / "tokenizer.json").is_file()
    settings = {"kind": "fasttext", "dim": 8, "epoch": 1, "min_count": 2, "seed": 1, "threads": 2}
    record = build_model(settings, {"train": str(text), "valid": str(text)}, str(tmp_path / "vectors"), str(tmp_path / "ckpt"))
    assert record == {"vectors": str(tmp_path / "vectors")}
    written = json.loads((tmp_path / "vectors" / "fasttext.json").read_text(encoding="utf-8"))
    assert written["dim"] == 8 and written["settings"]["minCount"] == 2 and written["settings"]["thread"] == 1
