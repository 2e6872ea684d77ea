"""Trivial baselines on hand-made sentences whose scores can be counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.baselines import (
    AdjacentParser,
    BaselineScore,
    Gazetteer,
    TagLexicon,
    baseline_table,
    ner_baseline,
    pos_baseline,
    score_view,
    transfer_baselines,
    transfer_score,
    ud_baseline,
)
from specmlm.finetune import ViewFiles, read_splits
from specmlm.formats.conllu import UDSentence
from specmlm.formats.ner import NerSentence, write_ner
from specmlm.tasks.registry import TASKS

DEMO_UD = Path(__file__).resolve().parents[1] / "demo" / "data" / "ud" / "UD_Maltese-MUDT"


def ud(words: str, upos: str, heads: list[int], rels: str, xpos: str | None = None) -> UDSentence:
    return UDSentence(words.split(), upos.split(), (xpos or upos).split(), heads, rels.split())


def test_tag_lexicon_majority_per_word_and_overall_default():
    lexicon = TagLexicon.fit([["a", "b", "a"], ["a", "c"]], [["X", "Y", "Z"], ["Z", "Y"]])
    # a: Z twice, X once; b: Y; c: Y; overall Z 2, Y 2, X 1 -> Y (tie: Y was seen before Z)
    assert lexicon.tags == {"a": "Z", "b": "Y", "c": "Y"}
    assert lexicon.default == "Y"
    assert lexicon.tag([["a", "new", "b"]]) == [["Z", "Y", "Y"]]


def test_tag_lexicon_tie_goes_to_first_seen():
    lexicon = TagLexicon.fit([["x", "x"]], [["B", "A"]])
    assert lexicon.tags == {"x": "B"}


def test_pos_baseline_scores_dev_and_test():
    train = [ud("the dog runs", "DET NOUN VERB", [2, 3, 0], "det nsubj root"),
             ud("the run", "DET NOUN", [2, 0], "det root")]
    dev = [ud("the runs", "DET VERB", [2, 0], "det root")]  # the: DET ok; runs: VERB ok
    test = [ud("a dog barks", "DET NOUN VERB", [2, 3, 0], "det nsubj root")]  # a, barks unseen -> default
    # overall train tags: DET 2, NOUN 2, VERB 1 -> DET (seen first); test: a DET ok, dog NOUN ok, barks DET wrong
    assert pos_baseline(train, dev, test, "upos") == BaselineScore("most_frequent_tag", 1.0, 2 / 3)


def test_adjacent_parser_one_root_each_direction():
    parser = AdjacentParser({"NOUN": "nsubj", "DET": "det"}, "obj")
    sentence = ud("the dog barks", "DET NOUN VERB", [2, 3, 0], "det nsubj root")
    assert parser.parse(sentence, "previous") == ([0, 1, 2], ["root", "nsubj", "obj"])
    assert parser.parse(sentence, "next") == ([2, 3, 0], ["det", "nsubj", "root"])
    single = ud("Yes", "INTJ", [0], "root")
    assert parser.parse(single, "previous") == ([0], ["root"]) == parser.parse(single, "next")


def test_adjacent_parser_relations_are_universal_and_skip_roots():
    train = [ud("a b c", "NOUN NOUN VERB", [3, 3, 0], "nsubj:pass obj root"),
             ud("d e", "NOUN VERB", [2, 0], "nsubj root")]
    parser = AdjacentParser.fit(train)
    # NOUN: nsubj (from nsubj:pass), obj, nsubj -> nsubj; VERB only as root -> not in the table
    assert parser.relations == {"NOUN": "nsubj"}
    assert parser.default == "nsubj"


def test_ud_baseline_picks_the_better_direction_on_dev():
    train = [ud("the dog barks", "DET NOUN VERB", [2, 3, 0], "det nsubj root")]
    # relations: DET det, NOUN nsubj. Right-headed dev: attach-next gets 3/3, attach-previous 0/3.
    dev = [ud("a cat sleeps", "DET NOUN VERB", [2, 3, 0], "det nsubj root")]
    # attach-next on test: the, dog right (head and relation); barks -> loudly and loudly as root wrong: 2/4
    test = [ud("the dog barks loudly", "DET NOUN VERB ADV", [2, 3, 0, 3], "det nsubj root advmod")]
    assert ud_baseline(train, dev, test) == BaselineScore("attach_next", 1.0, 0.5)


def test_ud_baseline_tie_keeps_previous():
    train = [ud("a b", "X X", [0, 1], "root dep")]
    dev = [ud("c", "X", [0], "root")]
    assert ud_baseline(train, dev, dev).method == "attach_previous"


def test_gazetteer_longest_match_first_and_majority_type():
    train = [NerSentence("New York is in New York State".split(), ["B-LOC", "I-LOC", "O", "O", "B-LOC", "I-LOC", "I-LOC"]),
             NerSentence("New York Times".split(), ["B-ORG", "I-ORG", "I-ORG"]),
             NerSentence("New York".split(), ["B-ORG", "I-ORG"])]
    gazetteer = Gazetteer.fit(train)
    # "New York": LOC then ORG -> LOC (tie, seen first)
    assert gazetteer.entries == {("New", "York"): "LOC", ("New", "York", "State"): "LOC", ("New", "York", "Times"): "ORG"}
    assert gazetteer.tag("I read New York Times in New York".split()) == \
        ["O", "O", "B-ORG", "I-ORG", "I-ORG", "O", "B-LOC", "I-LOC"]
    assert gazetteer.tag("new york".split()) == ["O", "O"]  # exact, case-sensitive


def test_ner_baseline_strict_span_f1():
    train = [NerSentence(["Ali", "met", "Awa"], ["B-PER", "O", "B-PER"])]
    dev = [NerSentence(["Awa", "left"], ["B-PER", "O"])]
    # test gold: Ali (PER), Dakar (LOC); gazetteer finds Ali only -> P 1, R 1/2, F1 2/3
    test = [NerSentence(["Ali", "in", "Dakar"], ["B-PER", "O", "B-LOC"])]
    assert ner_baseline(train, dev, test) == BaselineScore("gazetteer", 1.0, pytest.approx(2 / 3))


def test_score_view_cuts_as_the_runs_do():
    files = {split: DEMO_UD / f"mt_mudt-ud-{split}.conllu" for split in ("train", "dev", "test")}
    full = score_view("pos", files, "xpos", None, None)
    cut = score_view("pos", files, "xpos", 400, 200)
    # the table (Maltese POS 84.7) and the demo's cut (400 train, 200 dev and test sentences)
    assert (full.method, round(100 * full.test, 2)) == ("most_frequent_tag", 84.67)
    assert round(100 * cut.test, 2) == 80.19


def test_each_baseline_is_cut_as_its_tasks_runs_are() -> None:
    """A task may set its own cut (``tasks.<task>.finetune``); its baselines follow it, not the shared one."""
    files = {split: DEMO_UD / f"mt_mudt-ud-{split}.conllu" for split in ("train", "dev", "test")}
    cells = [{"task": task, "view": "mt", "pos_column": "xpos", "files": files, "max_train_sentences": train,
              "max_eval_sentences": evaluated} for task, train, evaluated in (("pos", 400, 200), ("ud", None, None))]
    table = baseline_table(cells)
    assert table[["task", "test"]].to_dict("records") == [{"task": "pos", "test": 80.19}, {"task": "ud", "test": 27.17}]


# A transfer pair small enough to count by hand. Source (en) train: Obama PER, Paris LOC, Google
# ORG, Musa PER, then (third sentence, cut by max_train_sentences=2) Dakar LOC. Target (wo) train:
# Awa PER, Dakar LOC, then Ndar LOC. Target test gold: Awa, Musa, Dakar, Obama, Ndar (5 spans);
# dev gold: Awa, Paris (2 spans). Every entry found is typed right, so precision is 1 throughout.
TRANSFER = {
    "en/train": [("Obama visited Paris", "B-PER O B-LOC"), ("Google hired Musa", "B-ORG O B-PER"),
                 ("Dakar is big", "B-LOC O O")],
    "wo/train": [("Awa dem Dakar", "B-PER O B-LOC"), ("Ndar la", "B-LOC O")],
    "wo/dev": [("Awa ak Paris", "B-PER O B-LOC")],
    "wo/test": [("Awa ak Musa dem Dakar", "B-PER O B-PER O B-LOC"), ("Obama ak Ndar", "B-PER O B-LOC")],
}


def f1(found: int, gold: int) -> float:
    """Span F1 with precision 1: ``found`` of ``gold`` spans tagged, none wrongly."""
    recall = found / gold
    return 2 * recall / (1 + recall)


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """The source's prepared train file and the target's prepared train, dev and test files."""
    for name, sentences in TRANSFER.items():
        write_ner(tmp_path / f"{name}.tsv", [NerSentence(words.split(), tags.split()) for words, tags in sentences])
    return tmp_path / "en/train.tsv", {split: tmp_path / f"wo/{split}.tsv" for split in ("train", "dev", "test")}


def test_transfer_baseline_zero_and_few_shot_by_hand(pair: tuple[Path, dict[str, Path]]) -> None:
    source, target = pair
    # zero-shot, the source cut to 2 sentences: Musa and Obama of 5 test spans, Paris of 2 dev spans
    assert transfer_score([source], target, 0, 2, None) == BaselineScore("gazetteer", pytest.approx(f1(1, 2)),
                                                                        pytest.approx(f1(2, 5)))
    # uncut, the source's third sentence adds Dakar
    assert transfer_score([source], target, 0, None, None).test == pytest.approx(f1(3, 5))
    # few-shot 1: the target's first train sentence adds Awa and Dakar (not Ndar, its second)
    assert transfer_score([source], target, 1, 2, None) == BaselineScore("gazetteer", 1.0, pytest.approx(f1(4, 5)))
    # few-shot 2 finds all; max_eval_sentences=1 scores the first test sentence only (3 of 3)
    assert transfer_score([source], target, 2, 2, 1).test == 1.0
    # in-language is the target's own NER baseline: Awa, Dakar, Ndar
    inside = transfer_score([target["train"]], target, 0, 2, None)
    assert inside == score_view("ner", target, None, 2, None) and inside.test == pytest.approx(f1(3, 5))


def test_transfer_baseline_trains_on_what_the_runs_read(pair: tuple[Path, dict[str, Path]]) -> None:
    """The gazetteer is fitted on exactly the training sentences finetune.read_splits gives a transfer run."""
    source, target = pair
    settings = {"train_files": [str(source)] * 2, "dev_file": str(source), "shots": 1, "max_train_sentences": 4,
                "max_eval_sentences": None, "pos_column": None}
    files = ViewFiles(target["train"], target["dev"], target["test"])
    train, _, test = read_splits(TASKS["ner"], files, settings)
    # the two source copies concatenated and cut to 4, then the target's first sentence
    runs_read = [*TRANSFER["en/train"], *TRANSFER["en/train"][:1], *TRANSFER["wo/train"][:1]]
    assert [s.tokens for s in train.source] == [words.split() for words, _ in runs_read]
    dev = read_splits(TASKS["ner"], files, {**settings, "dev_file": None})[1]
    assert transfer_score([source] * 2, target, 1, 4, None) == ner_baseline(train.source, dev.source, test.source)


def test_transfer_baselines_table_in_percent(pair: tuple[Path, dict[str, Path]]) -> None:
    source, target = pair
    cut = {"max_train_sentences": 2, "max_eval_sentences": None}
    cells = [{"source": "en", "target": "wo", "setting": "zero_shot", "shots": 0, "train_files": [str(source)],
              "files": target, **cut},
             {"source": "wo", "target": "wo", "setting": "in_language", "shots": 0, "train_files": [str(target["train"])],
              "files": target, **cut}]
    table = transfer_baselines(cells)
    assert table.to_dict("records") == [
        {"source": "en", "target": "wo", "setting": "zero_shot", "method": "gazetteer", "dev": 66.67, "test": 57.14},
        {"source": "wo", "target": "wo", "setting": "in_language", "method": "gazetteer", "dev": 66.67, "test": 75.0},
    ]
