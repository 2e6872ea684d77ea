"""Tokenisation statistics: exact counts on hand-made cases and the paper's Uyghur UD figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import AutoTokenizer, PreTrainedTokenizerFast, XLMRobertaTokenizer

from specmlm.errors import InputError
from specmlm.formats.conllu import read_ud
from specmlm.tokstats import (
    CONTINUATION_RULES,
    ROW_KEYS,
    scheme_of,
    stats_for_files,
    token_stats,
    with_proportions,
)
from specmlm.wordpiece import tokenizer_from_wordpiece_vocab, wordpiece_tokenizer
from tests.conftest import DEMO_DATA, MBERT_VOCAB

UG_TRAIN = DEMO_DATA / "ud" / "UD_Uyghur-UDT" / "ug_udt-ud-train.conllu"
TINY_WORDPIECE = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "ab", "##b", "##c"]


@pytest.fixture(scope="module")
def mbert():
    return wordpiece_tokenizer(MBERT_VOCAB)


@pytest.fixture
def tiny_wordpiece(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(f"{token}\n" for token in TINY_WORDPIECE), encoding="utf-8")
    return wordpiece_tokenizer(vocab)


def test_wordpiece_counts_on_a_hand_made_case(tiny_wordpiece):
    # "ab"->ab | "abb"->ab ##b | "x"->[UNK] || "b"->b | "ac."->a ##c [UNK] (BERT splits ".") || "x"->[UNK] twice
    stats = token_stats(tiny_wordpiece, ["ab abb x", "b ac.", "", "x x"])
    assert {key: stats[key] for key in ("words", "subwords", "unk", "words_with_unk", "continuation")} == {
        "words": 7,
        "subwords": 10,
        "unk": 4,
        "words_with_unk": 4,
        "continuation": 2,
    }
    assert stats["fertility"] == pytest.approx(10 / 7)
    assert stats["continuation_prop"] == pytest.approx(0.2)
    assert stats["unk_prop"] == pytest.approx(0.4)
    assert stats["wunk_prop"] == pytest.approx(4 / 7)


def test_sentencepiece_counts_treat_a_bare_marker_as_part_of_the_word_start():
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁ab", -1.0), ("a", -2.0)]
    vocab += [("b", -2.0), ("c", -2.0), ("▁", -3.0), ("<mask>", 0.0)]
    tokenizer = XLMRobertaTokenizer(vocab=vocab)
    assert scheme_of(tokenizer) == "sentencepiece"
    # pieces: ▁ab | ▁ab c | ▁ x(<unk>) a  -> continuations: c, a (x follows a bare ▁)
    stats = token_stats(tokenizer, ["ab abc xa"])
    counts = (stats["words"], stats["subwords"], stats["unk"], stats["words_with_unk"], stats["continuation"])
    assert counts == (3, 6, 1, 1, 2)


def test_word_level_variants_differ_only_for_byte_level_bpe(tiny_wordpiece):
    bytelevel = _bytelevel_bpe()
    assert scheme_of(bytelevel) == "bytelevel"
    # lines: "ab ba" -> ab | Ġ b a, "ba" -> b a: 6 pieces, continuations b, a, a
    # words alone: ab -> ab, ba -> b a (twice): 5 pieces, continuations a, a
    stats = token_stats(bytelevel, ["ab ba", "ba"])
    line = (stats["words"], stats["subwords"], stats["continuation"], stats["unk"])
    word = (stats["word_subwords"], stats["word_continuation"], stats["word_unk"])
    assert (line, word) == ((3, 6, 3, 0), (5, 2, 0))
    assert (stats["fertility"], stats["word_fertility"]) == (pytest.approx(2.0), pytest.approx(5 / 3))
    assert (stats["continuation_prop"], stats["word_continuation_prop"]) == (pytest.approx(0.5), pytest.approx(0.4))
    # WordPiece: a word alone tokenises as inside its line, so the two variants agree
    wordpiece = token_stats(tiny_wordpiece, ["ab abb x", "b ac.", "", "x x"])
    assert [wordpiece[f"word_{key}"] for key in ("subwords", "unk", "continuation")] == [10, 4, 2]


def test_continuation_rules_per_scheme():
    assert CONTINUATION_RULES["wordpiece"](["un", "##believ", "##able", "#", "##"]) == 3
    assert CONTINUATION_RULES["bytelevel"](["Hello", "Ġwor", "ld", "Ġ!", "!"]) == 2
    assert CONTINUATION_RULES["sentencepiece"](["▁ab", "c", "▁", "ئ", "x", "▁d"]) == 2


def test_pooled_proportions_are_ratios_of_summed_counts():
    first = {"words": 10, "subwords": 20, "unk": 2, "words_with_unk": 1, "continuation": 5,
             "word_subwords": 20, "word_unk": 2, "word_continuation": 5}
    second = {"words": 30, "subwords": 20, "unk": 0, "words_with_unk": 0, "continuation": 15,
              "word_subwords": 30, "word_unk": 0, "word_continuation": 0}
    pooled = with_proportions({key: first[key] + second[key] for key in first})
    assert pooled["unk_prop"] == pytest.approx(2 / 40)
    assert pooled["fertility"] == pytest.approx(1.0)
    assert pooled["word_fertility"] == pytest.approx(50 / 40)


def test_mbert_uyghur_ud_train_matches_the_paper(mbert):
    """PAPER.md §9: mBERT on UD ug train, UNK 0.15898 and wUNK 0.38402.

    Measured here: 7,488 UNK of 47,100 subwords (0.158981) and 7,397 of 19,262 words with an
    UNK (0.384020), identical to the paper at its 5 decimals: no normalisation (NFC/NFKC) is
    applied, as in mBERT's own cased tokenizer, and the UNKs come from Uyghur letters that
    mBERT's vocabulary lacks (ە ې ۈ ۋ) plus the en dash.
    """
    stats = token_stats(mbert, [" ".join(sentence.words) for sentence in read_ud(UG_TRAIN)])
    assert stats["words"] == 19262
    assert (stats["unk"], stats["subwords"], stats["words_with_unk"]) == (7488, 47100, 7397)
    assert stats["unk_prop"] == pytest.approx(0.15898, abs=5e-4)
    assert stats["wunk_prop"] == pytest.approx(0.38402, abs=5e-4)


def test_tokenizer_directory_round_trip(tmp_path, mbert):
    out = tokenizer_from_wordpiece_vocab(MBERT_VOCAB, tmp_path / "mbert")
    loaded = AutoTokenizer.from_pretrained(str(out))
    assert len(loaded) == len(mbert) == 119547
    assert loaded.convert_tokens_to_ids(["[PAD]", "[unused1]", "[UNK]", "[MASK]"]) == [0, 1, 100, 103]
    text = "Naïve Wörter 中文 ئۆرۈك"
    assert loaded.tokenize(text) == mbert.tokenize(text)
    assert "na" not in loaded.tokenize("Naïve")  # cased, accents kept


def test_stats_for_files_reads_the_given_files(tmp_path, mbert):
    """Exactly the files given, in their order, each by its format; nothing else in the folder."""
    view = tmp_path / "ug"
    (view / "ud").mkdir(parents=True)
    shutil.copy(UG_TRAIN, view / "ud" / "train.conllu")
    (view / "ner").mkdir()
    (view / "ner" / "dev.tsv").write_text("مەن\tO\nتوم\tB-PER\n\nبۇ\tO\n", encoding="utf-8")
    (view / "text").mkdir()
    (view / "text" / "train.txt").write_text("a b\nc\n\nd e f\n", encoding="utf-8")
    (view / "text" / "test.txt").write_text("not given\n", encoding="utf-8")
    rows = stats_for_files(mbert, [view / "ud" / "train.conllu", view / "ner" / "dev.tsv", view / "text" / "train.txt"])
    assert [(row["dataset"], row["split"]) for row in rows] == [("ud", "train"), ("ner", "dev"), ("text", "train")]
    assert all(tuple(row) == ROW_KEYS for row in rows)
    assert rows[0]["unk"] == 7488
    assert (rows[1]["words"], rows[2]["words"]) == (3, 6)
    with pytest.raises(ValueError, match="report.json: not a prepared dataset file"):
        stats_for_files(mbert, [view / "text" / "report.json"])


def _bytelevel_bpe():
    """Byte-level BPE over the 256 byte symbols with the merges a+b -> ab, Ġ+ab -> Ġab."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {token: index for index, token in enumerate(["<unk>", *alphabet, "ab", "Ġab"])}
    backend = Tokenizer(models.BPE(vocab, [("a", "b"), ("Ġ", "ab")], unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")


def test_a_saved_directory_counts_as_the_loaded_tokenizer(tmp_path, mbert):
    """The statistics jobs read a directory through ``tokenizers`` alone; every scheme counts the
    same pieces and UNKs as the transformers tokenizer saved there."""
    sentencepiece = XLMRobertaTokenizer(vocab=[("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁ab", -1.0),
                                               ("a", -2.0), ("b", -2.0), ("c", -2.0), ("▁", -3.0), ("<mask>", 0.0)])
    lines = [" ".join(sentence.words) for sentence in read_ud(UG_TRAIN)][:200] + ["ab abc xa", "ab ba", "Naïve Wörter 中文"]
    for name, tokenizer in (("mbert", mbert), ("bytelevel", _bytelevel_bpe()), ("sentencepiece", sentencepiece)):
        tokenizer.save_pretrained(tmp_path / name)
        from_directory = token_stats(tmp_path / name, lines)
        assert from_directory == token_stats(tokenizer, lines), name
        assert from_directory["unk"] > 0 or name == "bytelevel", name


def test_a_directory_without_a_fast_tokenizer_is_named(tmp_path):
    (tmp_path / "tok").mkdir()
    (tmp_path / "tok" / "tokenizer_config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"tokenizer\.json.*fast tokenizer"):
        stats_for_files(tmp_path / "tok", [])


def test_a_broken_tokenizer_directory_names_the_file_and_what_was_expected(tmp_path, tiny_wordpiece):
    tiny_wordpiece.save_pretrained(tmp_path / "tok")
    config = tmp_path / "tok" / "tokenizer_config.json"
    good = config.read_text(encoding="utf-8")
    config.write_text('{\n  "unk_token": "[UNK]",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"tokenizer_config\.json:3: not JSON") as err:
        stats_for_files(tmp_path / "tok", [])
    assert err.value.line == 3
    config.write_text('["[UNK]"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"tokenizer_config\.json:1: a JSON list; expected an object"):
        stats_for_files(tmp_path / "tok", [])
    config.write_text(good.replace('"[UNK]"', '"<unk>"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"tokenizer_config\.json.*unk_token '<unk>' is not in tokenizer\.json's vocabulary"):
        stats_for_files(tmp_path / "tok", [])
    config.write_text(good, encoding="utf-8")
    (tmp_path / "tok" / "tokenizer.json").write_text("{\"model\": 3}", encoding="utf-8")
    with pytest.raises(InputError, match=r"tokenizer\.json: not a tokenizers file .*expected a fast tokenizer's JSON"):
        stats_for_files(tmp_path / "tok", [])


def test_stats_for_files_rejects_a_file_without_words(tmp_path, mbert):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "valid.txt").write_text("\n \n\n", encoding="utf-8")
    with pytest.raises(InputError, match="valid.txt"):
        stats_for_files(mbert, [tmp_path / "text" / "valid.txt"])
