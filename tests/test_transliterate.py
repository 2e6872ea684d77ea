"""Transliteration schemes on known words, views on real UD/WikiAnn/Tatoeba data, reference agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from specmlm.errors import ConfigError, InputError
from specmlm.formats.conllu import read_conllu, write_conllu
from specmlm.formats.ner import read_ner, read_prepared_ner, write_ner
from specmlm.formats.text import read_documents, read_lines, write_documents
from specmlm.transliterate import (
    REFERENCES,
    SCHEMES,
    Pair,
    agreement,
    char_similarity,
    edit_distance,
    evaluate,
    evaluate_references,
    make_scheme,
    paper_mhr,
    paper_ug,
    read_pair_table,
    read_uroman_pairs,
    transliterate_view,
    uroman,
)
from tests.conftest import DEMO_DATA, TEST_DATA

TRANSLIT = TEST_DATA / "translit"
UG_DEV = DEMO_DATA / "ud" / "UD_Uyghur-UDT" / "ug_udt-ud-dev.conllu"
URO_TEST = TRANSLIT / "uroman" / "test"


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("ئۇيغۇر", "uyğur"),  # ئۇ digraph, غ -> ğ
        ("ئۆزگەرتىپ", "özgertip"),  # ئۆ, ە, ى
        ("قىزنىڭ", "qizning"),  # ڭ -> ng
        ("مېنى", "mëni"),  # ې -> ë
        ("رېئاللىقتىكى", "rëalliqtiki"),  # word-internal ئا
        ("شوراۋاتقان", "şoravatqan"),  # ش -> ş, ۋ -> v
        ("مەۋجۇت", "mevcut"),  # ج -> c
        ("چۈنكى", "çünki"),  # چ -> ç, ۈ -> ü
        ("ئىسسىق، قىزىل؟", "issiq, qizil?"),  # Arabic comma and question mark
        ("۱۹۹۰", "1990"),  # Extended Arabic-Indic digits
        ("جامائەت", "camaet"),  # ئە
        ("مۇئەللىم", "muellim"),
        ("ساختا", "saxta"),  # خ -> x
        ("ژۇرنال", "jurnal"),  # ژ -> j
        ("ئوقۇش", "oquş"),  # ئو
        ("ئۈچ", "üç"),  # ئۈ
        ("ئېلىپ", "ëlip"),  # ئې
        ("ھەققى", "heqqi"),  # ھ -> h
        ("مەسئۇل", "mesul"),
        ("ءسالام", "salam"),  # standalone hamza is dropped
        ("ع", "kh"),
        ("ئشىك", "ئşik"),  # ئ before no vowel (a typo in UD) has no rule in alTranscribe: kept
        ("\ufe8b\ufbd8\ufef3\ufed0\ufbd8\ufeae", "uyğur"),  # presentation forms, undone by NFKC
        ("UD 2.5", "UD 2.5"),  # Latin and ASCII pass through
    ],
)
def test_paper_ug_known_words(arabic: str, latin: str) -> None:
    assert paper_ug()(arabic) == latin


def test_paper_ug_first_dev_sentence() -> None:
    text = read_conllu(UG_DEV)[0].metadata["text"]
    assert paper_ug()(text) == (
        "men bolsam şekil özgertip özüm qedirlep söygen bir qizning tomuridiki issiq, qizil qënini "
        "şoravatqan yette başliq yalmavuzğa aylinip, kimdur birining atliq këlip mëni öltürüvëtişini kütettim."
    )


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Йошкар-Олаште", "Joshkar-Olashte"),
        ("шочын-кушшо", "shochyn-kushsho"),
        ("Тиде шоҥгылан йӧраш йӧсӧ.", "Tide shoҥgylan jӧrash jӧsӧ."),
        ("ӱдыр", "ӱdyr"),
        ("Щука", "Schuka"),
        ("чай ЧАЙ", "chaj ChAJ"),
        ("ӓ ӧ ӱ ҥ ӹ Ӓ Ӧ Ӱ Ҥ Ӹ", "ӓ ӧ ӱ ҥ ӹ Ӓ Ӧ Ӱ Ҥ Ӹ"),  # Mari letters are not in the Russian table
    ],
)
def test_paper_mhr_known_words(cyrillic: str, latin: str) -> None:
    assert paper_mhr()(cyrillic) == latin


def test_uroman_known_words() -> None:
    assert uroman("uig")("ئۇيغۇر") == "uyghur"
    assert uroman("mhr")("Тиде шоҥгылан йӧраш йӧсӧ.") == "Tide shonggylan iorash ioso."


def test_uroman_reproduces_its_reference_file() -> None:
    sources = read_lines(URO_TEST / "multi-script.txt")
    languages = sorted({line.split()[1] for line in sources if line.startswith("::lcode ")})
    assert {"uig", "rus", "ara", "fas"} <= set(languages)
    for language in languages:
        pairs = read_uroman_pairs(URO_TEST / "multi-script.txt", URO_TEST / "multi-script.uroman-ref.txt", language)
        assert agreement(uroman(language), pairs) == 1.0, language


def test_make_scheme_builds_and_validates() -> None:
    assert set(SCHEMES) == {"paper_mhr", "paper_ug", "uroman"}
    assert make_scheme({"scheme": "paper_ug"})("ئۇيغۇر") == "uyğur"
    assert make_scheme({"scheme": "uroman", "language": "uig"})("ئۇيغۇر") == "uyghur"
    with pytest.raises(ConfigError, match="'scheme'.*expected one of"):
        make_scheme({"scheme": "buckwalter"})
    with pytest.raises(ConfigError, match="'language'.*needs option"):
        make_scheme({"scheme": "uroman"})
    assert make_scheme({"scheme": "paper_ug", "language": "uig"})("ئۈچ") == "üç"
    assert make_scheme({"scheme": "paper_mhr", "language": "mhr"})("ӱдыр") == "ӱdyr"
    with pytest.raises(ConfigError, match="'language'.*written for 'uig' only, found 'kaz'"):
        make_scheme({"scheme": "paper_ug", "language": "kaz"})
    with pytest.raises(ConfigError, match="'lcode'.*takes no option"):
        make_scheme({"scheme": "uroman", "lcode": "uig"})
    with pytest.raises(ConfigError, match="ISO 639-3"):
        make_scheme({"scheme": "uroman", "language": "ug"})


@pytest.fixture()
def ug_view(tmp_path: Path) -> Path:
    """A view built from real data: 3 UD dev sentences, the WikiAnn sample, 4 Tatoeba lines."""
    src = tmp_path / "ug"
    write_conllu(src / "ud" / "dev.conllu", read_conllu(UG_DEV)[:3])
    wikiann = TEST_DATA / "ner" / "ug" / "wikiann-rahimi-hf-dummy"
    for split in ("train", "dev", "test"):
        write_ner(src / "ner" / f"{split}.tsv", read_ner(wikiann / split, "wikiann").sentences)
    lines = read_lines(DEMO_DATA / "text" / "ug" / "tatoeba.uig-eng.uig")[:4]
    write_documents(src / "text" / "train.txt", [lines[:2], lines[2:]])
    return src


def test_transliterate_view_keeps_structure_and_changes_forms(ug_view: Path, tmp_path: Path) -> None:
    dst = tmp_path / "ug-Latn"
    scheme = paper_ug()
    report = transliterate_view(ug_view, dst, scheme)

    before, after = read_conllu(ug_view / "ud" / "dev.conllu"), read_conllu(dst / "ud" / "dev.conllu")
    assert len(before) == len(after) == 3
    for old, new in zip(before, after, strict=True):
        assert len(old) == len(new)
        assert new.metadata["sent_id"] == old.metadata["sent_id"]
        assert new.metadata["text"] == scheme(old.metadata["text"]) != old.metadata["text"]
        for old_token, new_token in zip(old, new, strict=True):
            for column in ("id", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc"):
                assert new_token[column] == old_token[column], column
            assert new_token["form"] == scheme(old_token["form"])
    assert [token["form"] for token in after[0]][:4] == ["men", "bolsam", "şekil", "özgertip"]
    assert after[0][0]["misc"]["Translit"] == "men"  # MISC untouched, UD's own scheme kept
    words = sum(len(sentence) for sentence in before)
    kept = [token["form"] for sentence in before for token in sentence if token["form"] == scheme(token["form"])]
    assert kept == [".", ".", "."]
    assert report["files"]["ud/dev.conllu"] == {"units": words + 3, "changed": words, "fallbacks": 0}

    ner = read_prepared_ner(dst / "ner" / "train.tsv")
    assert [(s.tokens, s.tags) for s in ner] == [(["muhemmed", "eleyhissalam"], ["B-PER", "I-PER"])]
    assert [(s.tokens, s.tags) for s in read_prepared_ner(dst / "ner" / "test.tsv")] == [
        (["afyon", "qarahisar"], ["B-LOC", "I-LOC"])
    ]
    assert read_documents(dst / "text" / "train.txt") == [
        ["bu vaqitliq heves.", "bügün dersimiz yoq."],
        ["men nurğun yillardin buyan piyanino oqutquçiliqi qilivatimen", "bu saxta."],
    ]
    assert report["fallbacks"] == 0 and report["fallback_examples"] == []
    assert list(report["files"]) == ["ud/dev.conllu", "ner/train.tsv", "ner/dev.tsv", "ner/test.tsv", "text/train.txt"]
    assert report["units"] == words + 3 + 5 + 4
    assert read_conllu(ug_view / "ud" / "dev.conllu")[0][0]["form"] == "مەن"  # source untouched


def test_transliterate_view_keeps_originals_the_scheme_would_break(ug_view: Path, tmp_path: Path) -> None:
    bad_outputs = {"مەن": "", "بولسام": "bol sam", "تۇنىس": "  tunis  ", "بۈگۈن دەرسىمىز يوق.": " \n"}
    report = transliterate_view(ug_view, tmp_path / "out", lambda text: bad_outputs.get(text, text))

    forms = [token["form"] for token in read_conllu(tmp_path / "out" / "ud" / "dev.conllu")[0]]
    assert forms[:2] == ["مەن", "بولسام"]  # empty and split outputs: originals kept
    assert read_prepared_ner(tmp_path / "out" / "ner" / "dev.tsv")[0].tokens == ["tunis"]  # edges stripped
    assert read_documents(tmp_path / "out" / "text" / "train.txt")[0][1] == "بۈگۈن دەرسىمىز يوق."
    assert report["fallbacks"] == 4  # 'مەن' opens sentences 1 and 3
    assert report["files"]["ud/dev.conllu"]["fallbacks"] == 3
    assert report["fallback_examples"] == [
        "ud/dev.conllu sentence 1 token 1: 'مەن' -> '', kept the original",
        "ud/dev.conllu sentence 1 token 2: 'بولسام' -> 'bol sam', kept the original",
        "ud/dev.conllu sentence 3 token 11: 'مەن' -> '', kept the original",
        "text/train.txt document 1 line 2: 'بۈگۈن دەرسىمىز يوق.' -> '', kept the original",
    ]


def test_transliterate_view_one_part_at_a_time(ug_view: Path, tmp_path: Path) -> None:
    report = transliterate_view(ug_view, tmp_path / "ug-Latn", paper_ug(), parts=["ner"])
    assert set(report["files"]) == {"ner/train.tsv", "ner/dev.tsv", "ner/test.tsv"}
    assert [path.name for path in (tmp_path / "ug-Latn").iterdir()] == ["ner"]
    with pytest.raises(ValueError, match="unknown part 'lexicon'"):
        transliterate_view(ug_view, tmp_path / "out", paper_ug(), parts=["lexicon"])


def test_transliterate_view_with_parts_absent_and_bad_targets(tmp_path: Path) -> None:
    src = tmp_path / "mhr"
    write_documents(src / "text" / "valid.txt", [["Тиде сай йодыш."]])
    (src / "text" / "report.json").write_text("{}", encoding="utf-8")  # prepare's report: not data
    report = transliterate_view(src, tmp_path / "mhr-Latn", paper_mhr())
    assert read_documents(tmp_path / "mhr-Latn" / "text" / "valid.txt") == [["Tide saj jodysh."]]
    assert not (tmp_path / "mhr-Latn" / "ud").exists()
    assert report["files"] == {"text/valid.txt": {"units": 1, "changed": 1, "fallbacks": 0}}
    with pytest.raises(InputError, match="read-only"):
        transliterate_view(src, src, paper_mhr())
    with pytest.raises(InputError, match="no prepared data found"):
        transliterate_view(tmp_path / "empty", tmp_path / "out", paper_mhr())


def test_transliterate_view_writes_nothing_when_an_input_is_bad(ug_view: Path, tmp_path: Path) -> None:
    (ug_view / "text" / "valid.txt").write_bytes(b"\xe9 broken\n")
    with pytest.raises(InputError, match="valid.txt:1: invalid UTF-8"):
        transliterate_view(ug_view, tmp_path / "out", paper_ug())
    assert not (tmp_path / "out").exists()


def test_edit_distance_and_similarity() -> None:
    assert edit_distance("uyğur", "uyghur") == 2
    assert edit_distance("", "abc") == edit_distance("abc", "") == 3
    assert edit_distance("kitten", "sitting") == 3
    assert char_similarity("uyğur", "uyghur") == pytest.approx(1 - 2 / 6)
    assert char_similarity("", "") == 1.0


def test_agreement_and_evaluate_on_small_pairs() -> None:
    pairs = [Pair("ئۇيغۇر", "uyghur", 1), Pair("بىر", "bir", 3)]
    assert agreement(paper_ug(), pairs) == pytest.approx(3 / 4)
    result = evaluate(paper_ug(), pairs)
    assert result == {
        "pairs": 2,
        "weight": 4,
        "exact": pytest.approx(0.75),
        "exact_types": pytest.approx(0.5),
        "char_similarity": pytest.approx((1 - 2 / 6 + 3) / 4),
    }


def test_agreement_with_ud_translit_measured() -> None:
    """UD's Translit is ULY-like (sh, gh, w, ch, j), not the paper's Turkish-like letters."""
    tokens = read_pair_table(TRANSLIT / "ud" / "ug_udt-r2.5.token_translit.tsv")
    assert (len(tokens), sum(pair.weight for pair in tokens)) == (12068, 40236)
    paper = evaluate(paper_ug(), tokens)
    assert paper["exact"] == pytest.approx(0.7334, abs=1e-4)
    assert paper["char_similarity"] == pytest.approx(0.9252, abs=1e-4)
    general = evaluate(uroman("uig"), tokens)
    assert general["exact"] == pytest.approx(0.8138, abs=1e-4)
    assert general["char_similarity"] == pytest.approx(0.9520, abs=1e-4)


def test_evaluate_references_for_each_language() -> None:
    assert set(REFERENCES) == {"ug", "mhr"}
    mhr = evaluate_references(paper_mhr(), TRANSLIT, "mhr")
    assert mhr["uroman_test_rus"]["exact"] == 0.0
    assert mhr["uroman_test_rus"]["char_similarity"] == pytest.approx(0.9392, abs=1e-4)
    with pytest.raises(ConfigError, match="no references"):
        evaluate_references(paper_mhr(), TRANSLIT, "wo")


def test_read_pair_table_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("form\ttranslit\tcount\nبىر\tbir\t2\nبۇ\tbu\tmany\n", encoding="utf-8")
    with pytest.raises(InputError, match="pairs.tsv:3: expected"):
        read_pair_table(path)
