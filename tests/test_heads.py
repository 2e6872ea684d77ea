"""Encoders and heads: exact small cases (CRF, MST, optimiser) and tiny models built from configs."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from tokenizers import ByteLevelBPETokenizer, SentencePieceUnigramTokenizer
from transformers import (
    BertConfig,
    BertModel,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizer,
    XLMRobertaTokenizer,
)

from specmlm.finetune import TaskModel
from specmlm.tasks.biaffine import BiaffineParser, decode_tree, mst_heads
from specmlm.tasks.crf import CRF, CrfTagger, iob2_constraints
from specmlm.tasks.encoder import ScalarMix, TransformerEncoder
from specmlm.errors import ConfigError
from specmlm.tasks.fasttext_encoder import UNK, AugmentedLstm, FastTextEncoder, StackedBidirectionalLstm
from specmlm.tasks.optimizer import AdamW, clip_grad_norm, parameter_groups
from specmlm.tasks.registry import ENCODERS
from specmlm.tasks.tagger import LinearTagger
from tests.conftest import DEMO_DATA
from tests.models import tiny_bert

torch.set_num_threads(1)

TAGS = ["O", "B-X", "I-X"]
TAGS5 = ["O", "B-A", "I-A", "B-B", "I-B"]


def legal(tags: list[str]) -> bool:
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True


def path_score(emissions: torch.Tensor, transitions: torch.Tensor, path: tuple[int, ...]) -> float:
    transitions = transitions.detach()
    score = sum(float(emissions[i, tag]) for i, tag in enumerate(path))
    return score + sum(float(transitions[a, b]) for a, b in zip(path, path[1:]))


def test_iob2_constraints() -> None:
    allowed, start = iob2_constraints(TAGS5)
    assert start.tolist() == [True, True, False, True, False]
    assert allowed[TAGS5.index("O"), TAGS5.index("I-A")].item() is False
    assert allowed[TAGS5.index("B-B"), TAGS5.index("I-A")].item() is False
    assert allowed[TAGS5.index("I-A"), TAGS5.index("I-A")].item() is True
    assert allowed[TAGS5.index("B-A"), TAGS5.index("I-A")].item() is True
    assert allowed[:, TAGS5.index("B-B")].all()


def test_crf_log_partition_equals_brute_force() -> None:
    torch.manual_seed(0)
    crf = CRF(TAGS)
    emissions = torch.randn(2, 3, 3)
    mask = torch.tensor([[True, True, True], [True, True, False]])
    log_z = crf.log_partition(emissions, mask).detach()
    for row, length in enumerate([3, 2]):
        paths = itertools.product(range(3), repeat=length)
        scores = [path_score(emissions[row], crf.transitions, path) for path in paths]
        assert float(log_z[row]) == pytest.approx(math.log(sum(math.exp(s) for s in scores)), abs=1e-5)
    gold = torch.tensor([[1, 2, 0], [0, 1, 0]])
    expected = sum(float(log_z[r]) - path_score(emissions[r], crf.transitions, tuple(gold[r, :n].tolist()))
                   for r, n in enumerate([3, 2]))
    assert crf.nll(emissions, gold, mask).item() == pytest.approx(expected, abs=1e-4)


def test_crf_viterbi_is_the_best_legal_path_even_against_the_scores() -> None:
    torch.manual_seed(1)
    crf = CRF(TAGS5)
    with torch.no_grad():
        crf.transitions.normal_()
        crf.transitions[:, TAGS5.index("I-A")] += 5.0  # reward every move into I-A, legal or not
    for _ in range(30):
        emissions = torch.randn(4, 5, 5) * 3
        emissions[:, :, TAGS5.index("I-B")] += 4.0
        lengths = [5, 4, 2, 1]
        mask = torch.arange(5).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        paths = crf.viterbi(emissions, mask)
        for row, (path, length) in enumerate(zip(paths, lengths, strict=True)):
            assert len(path) == length
            assert legal([TAGS5[t] for t in path])
            candidates = [p for p in itertools.product(range(5), repeat=length) if legal([TAGS5[t] for t in p])]
            best = max(candidates, key=lambda p: path_score(emissions[row], crf.transitions, p))
            assert tuple(path) == best


def test_crf_tagger_learns_a_toy_pattern() -> None:
    torch.manual_seed(2)
    tagger = CrfTagger(4, TAGS)
    vectors = torch.eye(4)[torch.tensor([[0, 1, 2, 3], [3, 0, 1, 2]])]
    gold = torch.tensor([[0, 1, 2, 0], [0, 0, 1, 2]])
    mask = torch.ones(2, 4, dtype=torch.bool)
    optimizer = torch.optim.Adam(tagger.parameters(), lr=0.1)
    for _ in range(60):
        optimizer.zero_grad()
        tagger.loss(vectors, mask, gold).backward()
        optimizer.step()
    tagger.eval()
    assert tagger.decode(vectors, mask) == gold.tolist()


def is_tree(heads: list[int]) -> bool:
    if sum(h == 0 for h in heads) != 1:
        return False
    for word in range(1, len(heads) + 1):
        seen, node = set(), word
        while node != 0:
            if node in seen:
                return False
            seen.add(node)
            node = heads[node - 1]
    return True


def test_mst_gives_the_best_single_root_tree() -> None:
    rng = np.random.default_rng(3)
    for size in range(1, 6):
        for _ in range(10):
            scores = np.log(rng.dirichlet(np.ones(size + 1), size=size + 1))
            heads = mst_heads(scores)
            assert is_tree(heads)
            trees = [h for h in itertools.product(range(size + 1), repeat=size)
                     if all(h[i] != i + 1 for i in range(size)) and is_tree(list(h))]
            best = max(trees, key=lambda h: sum(scores[i + 1, h[i]] for i in range(size)))
            assert sum(scores[i + 1, heads[i]] for i in range(size)) == pytest.approx(
                sum(scores[i + 1, best[i]] for i in range(size)))


def test_mst_prefers_one_root_even_when_two_score_better() -> None:
    scores = np.full((4, 4), -10.0)
    scores[1:, 0] = -0.1  # every word would rather hang from the root
    scores[2, 1] = scores[3, 1] = -1.0
    assert mst_heads(scores) == [0, 1, 1]


def _hand_case(arcs: list[list[float]], best_label: dict[tuple[int, int], list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Arc and label log-probabilities from probabilities; labels certain (label 0) unless listed."""
    with np.errstate(divide="ignore"):
        arc_logp = np.log(np.array(arcs))
    label_logp = np.log(np.tile([1.0 - 1e-9, 1e-9], (*arc_logp.shape, 1)))
    for (word, head), probabilities in best_label.items():
        label_logp[word - 1, head] = np.log(probabilities)
    return arc_logp, label_logp


def test_decoding_scores_each_arc_with_its_best_label() -> None:
    # P(head) of words 1-3 over heads 0-3 (a word may point at itself: no self-loop mask)
    arcs = [[0.7, 0.0, 0.2, 0.1], [0.1, 0.5, 0.0, 0.4], [0.1, 0.6, 0.3, 0.0]]
    # word 2 -> head 1 is the likelier arc (0.5 > 0.4) but its best label has only 0.6
    arc_logp, label_logp = _hand_case(arcs, {(2, 1): [0.4, 0.6]})
    # energies, root arcs 0: w1 {2: .2, 3: .1}; w2 {1: .5 x .6 = .3, 3: .4}; w3 {1: .6, 2: .3}.
    # One root word: w1 -> 0 with (w2, w3) = (3, 1): .4 + .6 = 1.0 beats (1, 1): .3 + .6 = .9;
    # w2 -> 0: best .2 + .6 = .8; w3 -> 0: best .2 + .4 = .6.
    assert decode_tree(arc_logp, label_logp) == ([0, 3, 1], [0, 0, 0])
    # scored by arcs alone (today's decoding) word 2 would take head 1: .7 x .5 x .6 > .7 x .4 x .6
    assert mst_heads(np.vstack([np.zeros((1, 4)), arc_logp])) == [0, 1, 1]


def test_decoding_gives_root_arcs_no_weight_as_allennlp_does() -> None:
    # word 1 prefers the root (.55) but word 2 leans on the root even less (.05)
    arc_logp, label_logp = _hand_case([[0.55, 0.0, 0.45], [0.05, 0.3, 0.65]], {(2, 1): [0.2, 0.8]})
    # with root arcs at 0: [0, 1] scores 0 + .3 x .8 = .24, [2, 0] scores .45 + 0 = .45
    assert decode_tree(arc_logp, label_logp) == ([2, 0], [0, 0])
    # the product of arc probabilities would pick [0, 1]: .55 x .3 against .45 x .05
    assert mst_heads(np.vstack([np.zeros((1, 3)), arc_logp])) == [0, 1]


def test_the_arc_loss_keeps_a_words_own_position_among_its_heads() -> None:
    torch.manual_seed(0)
    parser = BiaffineParser(4, 2, arc_dim=3, label_dim=3).eval()
    mask = torch.tensor([[True, True, False]])
    arc_logp = parser._views(torch.randn(1, 3, 4), mask)[0][0]
    assert torch.isfinite(arc_logp[1:3].diagonal(offset=1)).all()
    assert torch.isinf(arc_logp[:, 3]).all()
    assert torch.allclose(arc_logp[1:3, :3].exp().sum(-1), torch.ones(2))


def test_biaffine_parser_decodes_trees_and_learns() -> None:
    torch.manual_seed(4)
    parser = BiaffineParser(8, 3, arc_dim=16, label_dim=16)
    vectors = torch.randn(3, 6, 8)
    mask = torch.arange(6).unsqueeze(0) < torch.tensor([6, 3, 1]).unsqueeze(1)
    heads = torch.tensor([[2, 0, 2, 3, 2, 5], [0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    labels = torch.tensor([[1, 0, 2, 1, 1, 2], [0, 1, 2, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    optimizer = torch.optim.Adam(parser.parameters(), lr=0.01)
    before = parser.eval().loss(vectors, mask, (heads, labels)).item()
    parser.train()
    for _ in range(150):
        optimizer.zero_grad()
        parser.loss(vectors, mask, (heads, labels)).backward()
        optimizer.step()
    parser.eval()
    assert parser.loss(vectors, mask, (heads, labels)).item() < 0.3 * before
    decoded = parser.decode(vectors, mask)
    for (pred_heads, pred_labels), length in zip(decoded, [6, 3, 1], strict=True):
        assert len(pred_heads) == len(pred_labels) == length
        assert is_tree(pred_heads)
    assert decoded[0] == (heads[0].tolist(), labels[0].tolist())


def test_linear_tagger_loss_and_decode() -> None:
    tagger = LinearTagger(4, 3)
    tagger.eval()
    vectors = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    loss = tagger.loss(vectors, mask, torch.zeros(2, 3, dtype=torch.long))
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert [len(p) for p in tagger.decode(vectors, mask)] == [3, 1]


def test_scalar_mix_starts_as_the_mean_and_layer_dropout_follows_the_setting() -> None:
    layers = tuple(torch.full((1, 2), float(k)) for k in range(4))
    mix = ScalarMix(4, 0.0, at_eval=True)
    assert mix(layers).tolist() == [[1.5, 1.5]]
    torch.manual_seed(5)
    on, off = ScalarMix(4, 0.5, at_eval=True).eval(), ScalarMix(4, 0.5, at_eval=False).eval()
    assert len({tuple(on(layers).flatten().tolist()) for _ in range(20)}) > 1
    assert {tuple(off(layers).flatten().tolist()) for _ in range(20)} == {(1.5, 1.5)}


def test_adamw_first_step_with_and_without_bias_correction() -> None:
    for correct, factor in ((True, 1.0), (False, 0.1 / math.sqrt(0.001))):
        param = torch.nn.Parameter(torch.tensor([1.0]))
        optimizer = AdamW([param], lr=0.01, eps=0.0, weight_decay=0.1, correct_bias=correct)
        param.grad = torch.tensor([2.0])
        optimizer.step()
        after_adam = 1.0 - 0.01 * factor
        assert param.item() == pytest.approx(after_adam * (1 - 0.01 * 0.1), rel=1e-6)



def hf_adamw_reference(groups: list[dict], grads_per_step: list[dict[int, torch.Tensor]], correct: bool) -> None:
    """HF's ``AdamW.step`` as its per-parameter loop (transformers <= 4.x), applied in place."""
    state: dict[int, dict] = {}
    for grads in grads_per_step:
        for group in groups:
            for param in group["params"]:
                if id(param) not in grads:
                    continue
                grad = grads[id(param)]
                s = state.setdefault(id(param), {"step": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)})
                s["step"] += 1
                s["m"].mul_(0.9).add_(grad, alpha=0.1)
                s["v"].mul_(0.999).addcmul_(grad, grad, value=0.001)
                size = group["lr"] * (math.sqrt(1 - 0.999 ** s["step"]) / (1 - 0.9 ** s["step"]) if correct else 1.0)
                param.data.addcdiv_(s["m"], s["v"].sqrt().add_(group["eps"]), value=-size)
                param.data.add_(param.data, alpha=-group["lr"] * group["weight_decay"])


@pytest.mark.parametrize("correct", [False, True])
def test_adamw_equals_hf_loop_when_parameters_skip_steps(correct: bool) -> None:
    """Two groups, six steps; one parameter frozen for the first two, another skips step 5."""
    generator = torch.Generator().manual_seed(0)
    shapes = [(5, 3), (7,), (4, 4), (2,)]
    start = [torch.randn(shape, generator=generator) for shape in shapes]
    ours, reference = ([torch.nn.Parameter(x.clone()) for x in start] for _ in range(2))

    def groups(params: list[torch.nn.Parameter]) -> list[dict]:
        return [{"params": params[:2], "lr": 1e-2, "eps": 1e-8, "weight_decay": 0.01},
                {"params": params[2:], "lr": 1e-3, "eps": 1e-6, "weight_decay": 0.0}]

    optimizer = AdamW(groups(ours), correct_bias=correct)
    grads_per_step = []
    for step in range(6):
        skipped = {0} if step < 2 else {3} if step == 4 else set()
        grads = {i: torch.randn(shape, generator=generator) for i, shape in enumerate(shapes) if i not in skipped}
        for i, param in enumerate(ours):
            param.grad = grads[i].clone() if i in grads else None
        optimizer.step()
        grads_per_step.append({id(reference[i]): grad for i, grad in grads.items()})
    hf_adamw_reference(groups(reference), grads_per_step, correct)
    assert [optimizer.state[p]["step"] for p in ours] == [4, 6, 6, 5]
    for mine, theirs in zip(ours, reference, strict=True):
        torch.testing.assert_close(mine.data, theirs.data, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-layer BERT with the mBERT vocabulary and a 12-position window."""
    return tiny_bert(tmp_path_factory.mktemp("bert"), hidden=16, positions=12, seed=6)


@pytest.fixture(scope="module")
def maltese_lines() -> list[str]:
    text = (DEMO_DATA / "text" / "mt" / "parsing-mbert_mt_valid.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()][:400]


LONG = ("Il-Kunsill Nazzjonali tal-Awtorità ddikjara li l-ħames proċeduri amministrattivi "
        "straordinarji ġew ippubblikati \u200b wara diskussjonijiet twal").split(" ")


def test_windows_are_stitched_without_losing_a_piece(bert_dir: Path) -> None:
    encoder = TransformerEncoder(bert_dir, layer_dropout=0.0, layer_dropout_at_eval=True).eval()
    assert encoder.window == 10  # 12 positions less [CLS] and [SEP]
    (item,) = encoder.prepare([LONG])
    zero_width = LONG.index("\u200b")
    assert item.ids[item.word_of_piece.index(zero_width)] == encoder.tokenizer.unk_token_id
    assert len(item.ids) > 2 * encoder.window
    straddling = [w for w in set(item.word_of_piece)
                  if len({i // encoder.window for i, x in enumerate(item.word_of_piece) if x == w}) > 1]
    assert straddling, "the test sentence must have a word split across two windows"
    with torch.no_grad():
        vectors, mask = encoder(**encoder.collate([item, *encoder.prepare([["qasir"]])]))
        assert mask.tolist()[1] == [True] + [False] * (len(LONG) - 1)
        pieces = []
        for start in range(0, len(item.ids), encoder.window):
            window = torch.tensor([encoder.prefix + item.ids[start : start + encoder.window] + encoder.suffix])
            hidden = encoder.transformer(input_ids=window, output_hidden_states=True).hidden_states[1:]
            pieces.append(encoder.mix(hidden)[0, 1:-1])
        pieces = torch.cat(pieces)
    owner = torch.tensor(item.word_of_piece)
    expected = torch.stack([pieces[owner == w].mean(0) for w in range(len(LONG))])
    assert torch.allclose(vectors[0], expected, atol=1e-5)


def test_byte_level_bpe_roberta_gets_prefix_spaces_and_long_inputs(tmp_path: Path, maltese_lines: list[str]) -> None:
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(maltese_lines, vocab_size=600, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False)
    bpe.save_model(str(tmp_path))
    RobertaTokenizer(vocab=str(tmp_path / "vocab.json"), merges=str(tmp_path / "merges.txt")).save_pretrained(tmp_path)
    config = RobertaConfig(vocab_size=600, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=32, max_position_embeddings=14, pad_token_id=1)
    RobertaModel(config).save_pretrained(tmp_path)
    encoder = TransformerEncoder(tmp_path, 0.1, True).eval()
    assert encoder.window == 10  # 14 positions less RoBERTa's offset of 2, less <s> and </s>
    assert ENCODERS["transformer"].defaults(tmp_path) == {"bias_correction": True}
    (item,) = encoder.prepare([LONG])
    starts = [item.ids[item.word_of_piece.index(w)] for w in range(len(LONG)) if w != LONG.index("\u200b")]
    assert all(encoder.tokenizer.convert_ids_to_tokens(i).startswith("Ġ") for i in starts)
    with torch.no_grad():
        vectors, mask = encoder(**encoder.collate([item]))
    assert vectors.shape == (1, len(LONG), 16) and mask.all()


def test_sentencepiece_tokenizer_marks_every_word(tmp_path: Path, maltese_lines: list[str]) -> None:
    unigram = SentencePieceUnigramTokenizer()
    unigram.train_from_iterator(maltese_lines, vocab_size=500, unk_token="<unk>", show_progress=False,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    unigram.save(str(tmp_path / "unigram.json"))
    XLMRobertaTokenizer(tokenizer_file=str(tmp_path / "unigram.json")).save_pretrained(tmp_path)
    config = BertConfig(vocab_size=500, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, pad_token_id=1)
    BertModel(config).save_pretrained(tmp_path)
    encoder = TransformerEncoder(tmp_path, 0.1, True)
    (item,) = encoder.prepare([["Il-Kunsill", "ħadem"]])
    pieces = encoder.tokenizer.convert_ids_to_tokens(item.ids)
    assert pieces[item.word_of_piece.index(1)].startswith("▁") and pieces[0].startswith("▁")


def test_parameter_groups_follow_the_paper(bert_dir: Path) -> None:
    assert ENCODERS["transformer"].defaults(bert_dir) == {}
    encoder = TransformerEncoder(bert_dir, 0.1, True)
    model = TaskModel(encoder, BiaffineParser(encoder.output_dim, 5))
    settings = {"lr_encoder": 5e-5, "lr_head": 1e-3, "weight_decay": 0.01}
    groups = {g["name"]: g for g in parameter_groups(model, encoder.transformer, settings)}
    names = {id(p): n for n, p in model.named_parameters()}
    members = {key: {names[id(p)] for p in group["params"]} for key, group in groups.items()}
    assert "encoder.transformer.embeddings.word_embeddings.weight" in members["A"]
    assert "encoder.transformer.encoder.layer.0.attention.self.query.weight" in members["A"]
    assert "encoder.transformer.embeddings.LayerNorm.weight" in members["B"]
    assert "encoder.transformer.encoder.layer.1.output.dense.bias" in members["B"]
    assert {"encoder.mix.weights", "encoder.mix.gamma", "head.root_sentinel", "head.arc_weight",
            "head.label_bilinear.weight"} <= members["C"]
    assert {"head.arc_bias", "head.label_bilinear.bias", "head.head_arc.0.bias"} <= members["D"]
    assert sum(len(m) for m in members.values()) == len(names)
    assert [(groups[k]["lr"], groups[k]["weight_decay"]) for k in "ABCD"] == [
        (5e-5, 0.01), (5e-5, 0.0), (1e-3, 0.01), (1e-3, 0.0)]


def test_fasttext_encoder_uses_the_vectors_and_one_unk(tmp_path: Path) -> None:
    (tmp_path / "vectors.vec").write_text("2 3\nkelb 1 2 3\nqattus 4 5 6\n", encoding="utf-8")
    (tmp_path / "fasttext.json").write_text('{"vectors": "vectors.vec"}', encoding="utf-8")
    torch.manual_seed(7)
    encoder = FastTextEncoder(tmp_path, "pos", [["il-", "kelb"], ["ġie"]])
    assert encoder.output_dim == 400 and encoder.bilstm.lstm.num_layers == 2
    assert FastTextEncoder(tmp_path, "ud", []).output_dim == 800
    ids = encoder.prepare([["kelb", "ġie", "mhux-magħruf"]])[0]
    assert ids[2] == UNK and ids[0] != UNK and ids[1] != UNK
    assert encoder.embedding.weight[ids[0]].tolist() == [1.0, 2.0, 3.0]
    vectors, mask = encoder(**encoder.collate(encoder.prepare([["kelb", "ġie"], ["qattus"]])))
    assert vectors.shape == (2, 2, 400) and mask.tolist() == [[True, True], [True, False]]
    assert vectors[1, 1].abs().sum() == 0


def _fasttext_dir(tmp_path: Path) -> Path:
    (tmp_path / "vectors.vec").write_text("2 3\nkelb 1 2 3\nqattus 4 5 6\n", encoding="utf-8")
    (tmp_path / "fasttext.json").write_text('{"vectors": "vectors.vec"}', encoding="utf-8")
    return tmp_path


def test_fasttext_ud_bilstm_is_allennlps_stacked_highway_lstm(tmp_path: Path) -> None:
    encoder = FastTextEncoder(_fasttext_dir(tmp_path), "ud", [])
    bilstm = encoder.bilstm
    assert isinstance(bilstm, StackedBidirectionalLstm) and len(bilstm.layers) == 3 and encoder.output_dim == 800
    first, second = bilstm.layers[0][0], bilstm.layers[1][1]
    assert first.recurrent_dropout == 0.3 and not second.forward_direction
    assert first.input_linearity.weight.shape == (6 * 400, 3) and first.input_linearity.bias is None
    assert second.input_linearity.weight.shape == (6 * 400, 800) and second.state_linearity.weight.shape == (5 * 400, 400)
    small = FastTextEncoder(tmp_path, "ud", [], {"ud": {"layers": 1, "hidden": 8, "dropout": 0.1}})
    assert len(small.bilstm.layers) == 1 and small.output_dim == 16 and small.bilstm.layers[0][0].recurrent_dropout == 0.1
    assert FastTextEncoder(tmp_path, "pos", [], {"ud": {"layers": 1}}).output_dim == 400
    with pytest.raises(ConfigError) as bad:
        FastTextEncoder(tmp_path, "ud", [], {"ud": {"layer": 1}})
    assert bad.value.key == "bilstm.ud.layer"
    with pytest.raises(ConfigError) as bad:
        FastTextEncoder(tmp_path, "ud", [], {"ud": {"type": "gru"}})
    assert bad.value.key == "bilstm.ud.type"


def test_highway_lstm_step_by_hand() -> None:
    lstm = AugmentedLstm(1, 1, forward=True, recurrent_dropout=0.0)
    with torch.no_grad():
        lstm.input_linearity.weight.copy_(torch.tensor([[0.0], [0.0], [1.0], [0.0], [0.0], [2.0]]))
        lstm.state_linearity.weight.fill_(0.5)
        lstm.state_linearity.bias.zero_()
    out = lstm(torch.tensor([[[1.0], [1.0]]]), torch.tensor([2]))[0, :, 0]
    # t=1 (h0 = c0 = 0): gates i = f = o = r = sigmoid(0) = 1/2, memory tanh(1);
    # c1 = tanh(1) / 2 = 0.3807971, h = tanh(c1) / 2 = 0.1816997; highway: h / 2 + 2 / 2 = 1.0908499
    c1 = math.tanh(1) / 2
    h1 = 0.5 * (0.5 * math.tanh(c1)) + 0.5 * 2
    # t=2: every gate adds 0.5 * h1 from the state
    s = 1 / (1 + math.exp(-0.5 * h1))
    c2 = s * math.tanh(1 + 0.5 * h1) + s * c1
    h2 = s * (s * math.tanh(c2)) + (1 - s) * 2
    assert h1 == pytest.approx(1.0908499, abs=1e-6)
    assert out.tolist() == pytest.approx([h1, h2], abs=1e-6)


def test_recurrent_dropout_mask_is_the_same_at_every_time_step() -> None:
    torch.manual_seed(0)
    lstm = AugmentedLstm(3, 16, forward=True, recurrent_dropout=0.5).train()
    seen: list[torch.Tensor] = []
    lstm.state_linearity.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    lstm(torch.randn(2, 5, 3), torch.tensor([5, 5]))
    zeros = [state == 0 for state in seen[1:]]  # at t=1 the state is all zeros
    assert all(torch.equal(zeros[0], other) for other in zeros[1:])
    assert 0 < zeros[0].float().mean() < 1 and not torch.equal(zeros[0][0], zeros[0][1])
    seen.clear()
    lstm.eval()(torch.randn(2, 5, 3), torch.tensor([5, 5]))
    assert not any((state == 0).any() for state in seen[1:])


def test_backward_lstm_starts_at_each_sequences_own_end() -> None:
    torch.manual_seed(0)
    lstm = AugmentedLstm(3, 4, forward=False, recurrent_dropout=0.0).eval()
    inputs = torch.randn(1, 5, 3)
    padded = lstm(torch.cat([inputs[:, :3], torch.randn(1, 2, 3)], 1), torch.tensor([3]))
    assert torch.allclose(padded[:, :3], lstm(inputs[:, :3], torch.tensor([3])))
    assert padded[:, 3:].abs().sum() == 0


def test_a_narrowed_encoder_trains_exactly_as_the_full_one(bert_dir: Path) -> None:
    """Only the rows the run's sentences use are kept, and training on them changes nothing:
    the same outputs after three AdamW steps with weight decay, dropout and clipping, and the
    same values in every kept row, including one that only the evaluated sentence uses."""
    train, evaluated = [["Il-Kunsill", "ħadem"], ["kelb", "ġie", "\u200b"]], [["qattus", "ħadem"]]
    full, narrowed = (TransformerEncoder(bert_dir, layer_dropout=0.5, layer_dropout_at_eval=False) for _ in range(2))
    full_items = full.prepare(train + evaluated)
    items = narrowed.prepare(train + evaluated)
    narrowed.narrow(items)
    pairs = {(old, new) for before, after in zip(full_items, items, strict=True)
             for old, new in zip(before.ids, after.ids, strict=True)}
    assert len({old for old, _ in pairs}) == len({new for _, new in pairs}) == len(pairs)  # one row per piece
    unk = full.tokenizer.unk_token_id
    assert (unk, unk) in pairs  # the zero-width word's UNK, like the padding and wrapping ids, keeps its number
    fixed = max(full.prefix + full.suffix + [full.pad_id, unk]) + 1
    rows = {new for _, new in pairs} | set(range(fixed))
    assert narrowed.transformer.get_input_embeddings().weight.shape == (len(rows), 16)
    only_evaluated = set(full_items[2].ids) - {piece for item in full_items[:2] for piece in item.ids}
    assert only_evaluated, "the evaluated sentence must have a piece that training never sees"

    settings = {"lr_encoder": 1e-2, "lr_head": 1e-2, "weight_decay": 0.01}
    optimizers = [AdamW(parameter_groups(e, e.pretrained_module(), settings)) for e in (full, narrowed)]
    for step in range(3):
        for encoder, optimizer, batch in ((full, optimizers[0], full_items), (narrowed, optimizers[1], items)):
            torch.manual_seed(step)
            encoder.train()
            optimizer.zero_grad()
            vectors, mask = encoder(**encoder.collate(batch[:2]))
            vectors[mask].pow(2).sum().backward()
            clip_grad_norm(list(encoder.parameters()), 1.0)
            optimizer.step()
    with torch.no_grad():
        outputs = [e.eval()(**e.collate(batch[2:]))[0] for e, batch in ((full, full_items), (narrowed, items))]
    assert torch.allclose(outputs[0], outputs[1], atol=1e-6)
    old_ids, new_ids = (torch.tensor(sorted(pairs))[:, side] for side in (0, 1))
    full_rows = full.transformer.get_input_embeddings().weight[old_ids]
    assert torch.allclose(full_rows, narrowed.transformer.get_input_embeddings().weight[new_ids], atol=1e-7)
    start = TransformerEncoder(bert_dir, 0.5, False).transformer.get_input_embeddings().weight[old_ids]
    assert (full_rows - start).abs().amax(1).gt(0).all()  # every kept row moved: trained, or decayed only
    with pytest.raises(RuntimeError, match="before narrow"):
        narrowed.prepare(evaluated)


def test_fasttext_rows_get_sparse_gradients_and_only_theirs_move(tmp_path: Path) -> None:
    torch.manual_seed(0)
    encoder = FastTextEncoder(_fasttext_dir(tmp_path), "pos", [["il-", "kelb"], ["ġie"]])
    optimizer = AdamW(parameter_groups(encoder, None, {"lr_encoder": 0.0, "lr_head": 1e-3, "weight_decay": 0.0}))
    before = encoder.embedding.weight.detach().clone()
    used = encoder.prepare([["kelb", "ġie"]])[0]
    vectors, _ = encoder(**encoder.collate([used]))
    vectors.sum().backward()
    assert encoder.embedding.weight.grad.is_sparse
    optimizer.step()
    step = (encoder.embedding.weight.detach() - before).abs()
    assert (step.sum(1) > 0).nonzero().squeeze(1).tolist() == sorted(used)
    # SparseAdam's first step, bias corrected, is lr per coordinate (|g| >> eps)
    assert torch.allclose(step[used], torch.full_like(step[used], 1e-3), rtol=1e-3)

    optimizer.zero_grad()
    encoder(**encoder.collate([used]))[0].sum().backward()
    norm = clip_grad_norm(list(encoder.parameters()), 1e-3)
    grads = [p.grad._values() if p.grad.is_sparse else p.grad for p in encoder.parameters()]
    assert norm > 1e-3
    assert torch.cat([g.reshape(-1) for g in grads]).norm() == pytest.approx(1e-3, rel=1e-3)
