"""Trivial baselines on hand-made sentences whose scores can be counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.baselines import (
    AdjacentParser,
    BaselineScore,
    Gazetteer,
    TagLexicon,
    ner_baseline,
    pos_baseline,
    score_view,
    ud_baseline,
)
from specmlm.formats.conllu import UDSentence
from specmlm.formats.ner import NerSentence

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
