"""Prepare: real treebanks pass through losslessly; the corpus is de-leaked and split by document."""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.errors import InputError
from specmlm.formats.text import read_documents
from specmlm.prepare import prepare_ner, prepare_text, prepare_ud

SETTINGS = {"format": "lines", "lines_per_document": 2, "split": {"train": 0.8, "valid": 0.1, "test": 0.1}, "split_seed": 13370, "max_train_tokens": None}


def test_prepare_ud_reports_counts(demo_data: Path, tmp_path: Path) -> None:
    tb = demo_data / "ud/UD_Uyghur-UDT"
    raw = {s: tb / f"ug_udt-ud-{s}.conllu" for s in ("train", "dev", "test")}
    report = prepare_ud(raw, tmp_path)
    assert report["train"] == {"sentences": 1656, "words": 19262, "multiword_tokens": 0}
    assert (tmp_path / "dev.conllu").read_text(encoding="utf-8") == raw["dev"].read_text(encoding="utf-8")


def test_prepare_ner_drops_types_and_caps(demo_data: Path, tmp_path: Path) -> None:
    raw = {s: demo_data / f"ner/wo/masakhaner1/{s}.txt" for s in ("train", "dev", "test")}
    report = prepare_ner(raw, "conll", tmp_path, drop_types=["DATE"], max_sentences=100)
    assert report["train"]["sentences"] == 100
    assert report["dev"]["dropped_types"]["DATE"] > 0
    assert "DATE" not in (tmp_path / "train.tsv").read_text(encoding="utf-8")


def test_prepare_text_deleaks_and_splits_by_document(tmp_path: Path) -> None:
    lines = [f"sentence number {i} ." for i in range(40)]
    corpus = tmp_path / "raw.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ner = tmp_path / "ner.tsv"
    ner.write_text("sentence\tO\nnumber\tO\n7\tO\n.\tO\n\n", encoding="utf-8")
    out = tmp_path / "text"
    report = prepare_text([corpus], out, SETTINGS, ((), (ner,)))
    assert report["leaked_lines_removed"] == 1
    splits = {s: read_documents(out / f"{s}.txt") for s in ("train", "valid", "test")}
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [16, 2, 2]
    kept = [line for docs in splits.values() for doc in docs for line in doc]
    assert sorted(kept) == sorted(line for line in lines if line != "sentence number 7 .")
    pairs = {tuple(doc) for docs in splits.values() for doc in docs}
    assert ("sentence number 0 .", "sentence number 1 .") in pairs
    again = tmp_path / "again"
    prepare_text([corpus], again, SETTINGS, ((), (ner,)))
    assert (again / "train.txt").read_text() == (out / "train.txt").read_text()


def test_prepare_text_too_small_corpus_is_an_error(tmp_path: Path) -> None:
    corpus = tmp_path / "raw.txt"
    corpus.write_text("one line .\n", encoding="utf-8")
    with pytest.raises(InputError, match="too few to give the valid split"):
        prepare_text([corpus], tmp_path / "out", SETTINGS)
    assert not (tmp_path / "out" / "train.txt").exists()


def test_a_type_missing_from_train_is_reported_and_a_respelled_one_refused(tmp_path: Path) -> None:
    raw = {split: tmp_path / f"{split}.txt" for split in ("train", "dev", "test")}
    raw["train"].write_text("Ann B-PER\nsaw O\n\nBob B-PER\n", encoding="utf-8")
    raw["dev"].write_text("Rome B-LOC\n", encoding="utf-8")
    raw["test"].write_text("Ann B-PER\n", encoding="utf-8")
    report = prepare_ner(raw, "conll", tmp_path / "out")
    assert report["dev"]["types_not_in_train"] == ["LOC"]
    assert "types_not_in_train" not in report["test"]
    raw["test"].write_text("Ann B-Per\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"test.txt:1: entity type 'Per' differs only in case from the study's 'PER'"):
        prepare_ner(raw, "conll", tmp_path / "again")
