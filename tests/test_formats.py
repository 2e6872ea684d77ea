"""Readers and writers: real files round-trip, and every kind of bad input names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.errors import InputError
from specmlm.formats.conllu import read_conllu, read_ud, task_view, write_conllu
from specmlm.formats.ner import read_ner, read_prepared_ner, repair_iob2, write_ner
from specmlm.formats.text import read_documents, write_documents
from tests.conftest import DEMO_DATA, TEST_DATA

WOLOF_DEV = Path("ud/UD_Wolof-WTB/wo_wtb-ud-dev.conllu")

GOOD = (
    "# sent_id = 1\n# text = Ab dom\n"
    "1\tAb\tab\tDET\t_\t_\t2\tdet\t_\t_\n"
    "2\tdom\tdom\tNOUN\t_\t_\t0\troot\t_\t_\n\n"
)


def write(tmp_path: Path, text: str, name: str = "f.conllu", binary: bytes | None = None) -> Path:
    path = tmp_path / name
    if binary is not None:
        path.write_bytes(binary)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_conllu_round_trip_is_exact_and_multiword_tokens_stay_out_of_the_task_view(demo_data: Path, tmp_path: Path) -> None:
    source = demo_data / WOLOF_DEV
    sentences = read_conllu(source)
    out = tmp_path / "copy.conllu"
    write_conllu(out, sentences)
    assert out.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    views = read_ud(source)
    assert len(views) == 449
    # SOURCES.md: 10294 syntactic words; the 299 range lines are not words.
    assert sum(len(v.words) for v in views) == 10294
    ranges = sum(1 for s in sentences for t in s if isinstance(t["id"], tuple))
    assert ranges == 299


@pytest.mark.parametrize(
    "path",
    [DEMO_DATA / "ud" / name for name in ("UD_Uyghur-UDT/ug_udt-ud-dev.conllu", "UD_Wolof-WTB/wo_wtb-ud-dev.conllu",
                                          "UD_Maltese-MUDT/mt_mudt-ud-dev.conllu")]
    + [TEST_DATA / "ud-r2.5" / name for name in ("UD_Belarusian-HSE/be_hse-ud-dev.conllu", "UD_Irish-IDT/ga_idt-ud-dev.conllu",
                                                 "UD_Vietnamese-VTB/vi_vtb-ud-dev.conllu")],
    ids=lambda path: path.name,
)
def test_task_views_from_the_columns_equal_those_of_the_parsed_file(path: Path) -> None:
    """``read_ud`` reads the columns without ``conllu``; it must give exactly the views of the
    lossless parse, multiword ranges (Wolof), empty nodes and forms with spaces (Vietnamese) included."""
    assert read_ud(path) == [task_view(sentence) for sentence in read_conllu(path)]


def test_task_view_of_a_hand_case_with_a_range_an_empty_node_and_blank_tags(tmp_path: Path) -> None:
    text = ("# text = Abdom x\n"
            "1-2\tAbdom\t_\t_\t_\t_\t_\t_\t_\t_\n"
            "1\tAb\tab\tDET\t_\t_\t2\tdet\t_\t_\n"
            "2\tdom\tdom\tNOUN\tNN\t_\t0\troot\t_\t_\n"
            "2.1\tis\tbe\tAUX\t_\t_\t_\t_\t2:cop\t_\n"
            "3\t_\t_\tPUNCT\t\t_\t2\tpunct\t_\t_\n\n")
    path = write(tmp_path, text)
    (view,) = read_ud(path)
    assert (view.words, view.upos, view.xpos, view.heads, view.deprels) == (
        ["Ab", "dom", "_"], ["DET", "NOUN", "PUNCT"], ["_", "NN", "_"], [2, 0, 2], ["det", "root", "punct"])
    assert [view] == [task_view(sentence) for sentence in read_conllu(path)]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (GOOD.replace("2\tdom\tdom\tNOUN\t_\t_\t0\troot\t_\t_", "2\tdom\tdom\tNOUN\t_\t0\troot\t_\t_"), 4, "expected 10 tab-separated columns, found 9"),
        (GOOD.replace("\t2\tdet", "\tx\tdet"), 3, "expected an integer HEAD (ASCII digits), found 'x'"),
        (GOOD.replace("\t2\tdet", "\t7\tdet"), 3, "HEAD 7 is out of range"),
        (GOOD.replace("\t0\troot", "\t1\troot"), 1, "expected exactly one root (HEAD 0), found 0"),
        (GOOD.replace("2\tdom", "3\tdom"), 4, "expected word ID 2, found 3"),
        (GOOD.replace("1\tAb", "one\tAb"), 3, "expected an integer, range (3-4) or decimal (5.1) ID"),
    ],
)
def test_conllu_errors_name_the_line(tmp_path: Path, text: str, line: int, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_conllu(path)
    assert err.value.line == line
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_bad_encoding_and_empty_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "", binary=GOOD.encode("utf-8").replace(b"dom\tdom", b"d\xffm\tdom", 1))
    with pytest.raises(InputError, match=r":4: invalid UTF-8 byte 0xff"):
        read_conllu(bad)
    empty = write(tmp_path, "\n\n", name="empty.conllu")
    with pytest.raises(InputError, match="the file is empty"):
        read_conllu(empty)


def test_wikiann_reader_strips_prefix_and_repairs_iob2(tmp_path: Path) -> None:
    path = write(tmp_path, "en:The\tO\nen:New\tI-ORG\nen:York\tI-ORG\nen:Times\tI-LOC\n\nen:Ann\tB-PER\n", name="wikiann")
    parsed = read_ner(path, "wikiann")
    assert [s.tokens for s in parsed.sentences] == [["The", "New", "York", "Times"], ["Ann"]]
    assert parsed.sentences[0].tags == ["O", "B-ORG", "I-ORG", "B-LOC"]
    assert parsed.repaired == 2


def test_repair_iob2_exact() -> None:
    assert repair_iob2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == (["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG"], 3)


def test_real_wikiann_and_masakhaner(demo_data: Path, tmp_path: Path) -> None:
    english = read_ner(demo_data / "ner/en/wikiann-rahimi/dev", "wikiann")
    assert len(english.sentences) == 10000
    assert sum(len(s.tokens) for s in english.sentences) == 80536
    wolof = read_ner(demo_data / "ner/wo/masakhaner1/dev.txt", "conll", drop_types=["DATE"])
    assert len(wolof.sentences) == 267
    assert sum(len(s.tokens) for s in wolof.sentences) == 4384
    assert wolof.dropped_types["DATE"] > 0
    assert not any(t.endswith("DATE") for s in wolof.sentences for t in s.tags)
    out = tmp_path / "dev.tsv"
    write_ner(out, wolof.sentences)
    assert read_prepared_ner(out) == wolof.sentences


@pytest.mark.parametrize(
    ("text", "fmt", "line", "expected"),
    [
        ("en:a\tO\nen:b\tB-PER\tX\n", "wikiann", 2, "expected 2 tab-separated columns"),
        ("en:a\tO\nb\tB-PER\n", "wikiann", 2, "expected a 'lang:' prefix"),
        ("a O\nb B_PER\n", "conll", 2, "expected an IOB2 tag"),
        ("a O\nb\n", "conll", 2, "expected 2 whitespace-separated columns"),
    ],
)
def test_ner_errors_name_the_line(tmp_path: Path, text: str, fmt: str, line: int, expected: str) -> None:
    path = write(tmp_path, text, name="ner.txt")
    with pytest.raises(InputError) as err:
        read_ner(path, fmt)
    assert err.value.line == line
    assert expected in str(err.value)


def test_text_documents_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path, "a b.\nc d.\n\n\ne f.\n", name="t.txt")
    docs = read_documents(path)
    assert docs == [["a b.", "c d."], ["e f."]]
    out = tmp_path / "o.txt"
    write_documents(out, docs)
    assert read_documents(out) == docs
    assert out.read_text(encoding="utf-8") == "a b.\nc d.\n\ne f.\n"
