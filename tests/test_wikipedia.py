"""Wikipedia extraction (dump and snapshot) and the paper's BERT-format rules, on exact cases."""

from __future__ import annotations

import bz2
from pathlib import Path

import mwparserfromhell
import pytest

from specmlm.errors import InputError
from specmlm.formats.text import read_documents
from specmlm.download.wikipedia import (
    Article,
    bert_document,
    bert_sentences,
    iter_dump_articles,
    iter_snapshot_articles,
    snapshot_body,
    wikitext_to_lines,
    write_bert_corpus,
)

DATA = Path(__file__).parent / "data" / "download"
DUMP = DATA / "wikipedia" / "bewiki-20231101-pages-articles.xml.bz2"
EXPECTED = DATA / "wikipedia" / "expected-corpus.txt"


# --- the BERT-format rules (PAPER §4 step 2, wikiextractor_to_bert_format.py) -----------------


@pytest.mark.parametrize(
    "line",
    [
        "== Гісторыя ==",
        "[[Катэгорыя:Гарады]]",
        '<doc id="1" url="u" title="t">',
        "</doc>",
        "&lt;templatestyles /&gt;",
        "  ",
    ],
)
def test_skipped_lines(line):
    assert bert_sentences(line) == []


@pytest.mark.parametrize(
    ("line", "eos", "detach", "expected"),
    [
        # split at ". ", the stop goes back on all but the last piece; the trailing run is detached
        ("A b. C d. E f", ".", True, ["A b .", "C d .", "E  f"]),
        ("A b. C d. E f", ".", False, ["A b.", "C d.", "E f"]),
        # the last letter of a line without a stop is split off, as the released script did
        ("Рака цячэ праз Гродна", ".", True, ["Рака цячэ праз Гродн а"]),
        ("Ён рос... хутка!", ".", True, ["Ён рос ...", "хутка !"]),
        ("x.. y", ".", True, ["x ..", "y"]),
        # <br> is removed without a space, so it joins what it separated
        ("Першы радок.<br>Другі. Трэці", ".", True, ["Першы радок.Другі .", "Трэц і"]),
        # Urdu splits at its own full stop, and only then
        ("یہ ایک جملہ ہے۔ یہ دوسرا ہے۔", "۔", True, ["یہ ایک جملہ ہے ۔", "یہ دوسرا ہے ۔"]),
        ("یہ ایک جملہ ہے۔ یہ دوسرا ہے۔", ".", True, ["یہ ایک جملہ ہے۔ یہ دوسرا ہے ۔"]),
        # spaces around , " ' : ; / ? ! ؟ ، « » ‹ › ¿ ¡ — (each match eats the spaces beside it)
        ('Ён сказаў: "так", але/або?', ".", True, ['Ён сказаў :  " так "  , але / або ?']),
        ("¿Qué pasa? ¡Nada! Vale.", ".", True, ["¿ Qué pasa ?  ¡ Nada ! Vale ."]),
        ("«Мінск» — горад; ‹так›.", ".", True, ["« Мінск »  — горад ;  ‹ так › ."]),
        ("کیا؟ ہاں، ٹھیک", "۔", False, ["کیا ؟ ہاں ، ٹھیک"]),
    ],
)
def test_bert_sentences_follow_the_released_rules(line, eos, detach, expected):
    assert bert_sentences(line, eos, detach) == expected


def test_bert_document_never_includes_the_title():
    article = Article("7", "Мінск", ("Мінск — сталіца. Горад вялікі.",))
    assert bert_document(article) == ["Мінск — сталіца .", "Горад вялікі ."]


# --- wikitext -> WikiExtractor-like lines ----------------------------------------------------


def test_wikitext_markup_is_reduced_like_wikiextractor():
    wikitext = "\n".join(
        [
            "{{Infobox|name={{lang|be|Мінск}}}}",
            "'''Мінск''' ({{IPA|ˈminsk}}) — [[Сталіца|сталіца]] [[Беларусь|Беларусі]]&nbsp;&amp; горад."
            "<ref name=a>{{cite|x}}</ref>",
            "[[Файл:M.jpg|thumb|Від [[Мінск]]а]] [[:Катэгорыя:Гарады|гл. катэгорыю]] [https://minsk.by сайт] https://x.by",
            "== Назва? ==",
            "=== Пусты ===",
            "* пункт спіса",
            "# пункт нумараванага спіса",
            ": водступ",
            '{| class="wikitable"',
            "| клетка",
            "|}",
            "<!-- каментарый --> __NOTOC__ Тэкст пасля.",
            "== Канец ==",
            "[[Катэгорыя:Гарады]]",
        ]
    )
    hidden = frozenset({"file", "image", "media", "category", "файл", "катэгорыя"})
    # headings are kept (with a stop unless they end in ! or ?) once text follows, even across
    # dropped lists and tables; "Канец" has no text after it and disappears
    assert wikitext_to_lines(wikitext, hidden) == [
        "Мінск — сталіца Беларусі & горад.",
        "гл. катэгорыю сайт",
        "Назва?",
        "Пусты.",
        "Тэкст пасля.",
    ]
    # without the wiki's own namespace names, a local category link is ordinary text
    assert wikitext_to_lines("Тэкст.\n[[Катэгорыя:Гарады]]")[-1] == "Катэгорыя:Гарады"


def test_dump_articles_skip_redirects_and_other_namespaces():
    articles = list(iter_dump_articles(DUMP))
    assert [(a.id, a.title) for a in articles] == [("101", "Мінск"), ("104", "Гродна"), ("105", "Нёман")]
    assert articles[0].lines == (
        "Мінск — сталіца і найбуйнейшы горад Беларусі. Горад стаіць на рацэ Свіслач.",
        "Гісторыя.",
        "Мінск упершыню згадваецца ў 1067 годзе. Ён рос... хутка!",
        "Геаграфія.",
        "Горад ляжыць на Мінскім узвышшы. Рэльеф раўнінны.",
    )


def test_dump_and_cleaning_give_the_expected_corpus(tmp_path):
    stats = write_bert_corpus(iter_dump_articles(DUMP), tmp_path / "corpus.txt")
    assert (tmp_path / "corpus.txt").read_text(encoding="utf-8") == EXPECTED.read_text(encoding="utf-8")
    assert (stats.articles, stats.documents, stats.written_documents) == (3, 2, 2)


def test_broken_dumps_are_input_errors(tmp_path):
    truncated = tmp_path / "truncated.xml.bz2"
    truncated.write_bytes(bz2.compress(bz2.decompress(DUMP.read_bytes())[:3000]))
    with pytest.raises(InputError, match="malformed dump XML") as caught:
        list(iter_dump_articles(truncated))
    assert caught.value.line is not None
    not_bz2 = tmp_path / "plain.xml.bz2"
    not_bz2.write_bytes(b"<mediawiki/>")
    with pytest.raises(InputError, match="cannot read the dump"):
        list(iter_dump_articles(not_bz2))
    no_text = tmp_path / "no-text.xml"
    no_text.write_text("<mediawiki><page><title>T</title><ns>0</ns><id>1</id></page></mediawiki>")
    with pytest.raises(InputError, match="pages-articles"):
        list(iter_dump_articles(no_text))


# --- snapshot ------------------------------------------------------------------------------


def test_snapshot_body_drops_trailing_categories_and_marks_headings():
    text = "Першы сказ. Другі сказ.\n\nГісторыя\nТэкст «у двукоссі».\n\nГарады Беларусі\nСталіцы"
    assert snapshot_body(text) == ["Першы сказ. Другі сказ.", "Гісторыя.", "Тэкст «у двукоссі»."]
    assert snapshot_body("Гарады Беларусі\n") == []


# A page with lists, an indented line, a line without a stop, nested and empty sections, as
# WikiExtractor extracts it: lists and indents dropped, headings as "Heading." only where text
# follows, text lines unchanged (no stop added).
LIST_PAGE = "\n".join([
    "'''Нёман''' — рака ў [[Беларусь|Беларусі]] і Літве.",
    "Даўжыня ракі — 937 км",
    "",
    "== Прытокі ==",
    "Галоўныя прытокі:",
    "* Шчара",
    "* [[Вілія]]",
    "# Гародня",
    ": Заўвага пра прытокі.",
    "",
    "== Гарады ==",
    "=== На беразе ===",
    "Гродна стаіць на Нёмане.",
    "",
    "== Гл. таксама ==",
    "* [[Свіслач]]",
    "",
    "[[Катэгорыя:Рэкі Беларусі]]",
])  # fmt: skip
LIST_PAGE_LINES = [
    "Нёман — рака ў Беларусі і Літве.",
    "Даўжыня ракі — 937 км",
    "Прытокі.",
    "Галоўныя прытокі:",
    "Гарады.",
    "На беразе.",
    "Гродна стаіць на Нёмане.",
]


def snapshot_text(wikitext: str) -> str:
    """The page as the ``wikimedia/wikipedia`` build renders it: each section's ``strip_code``,
    stripped, sections joined by a blank line, category links left as their bare names."""
    sections = mwparserfromhell.parse(wikitext).get_sections(flat=True, include_lead=True, include_headings=True)
    return "\n\n".join(section.strip_code().strip() for section in sections).replace("Катэгорыя:", "")


def test_a_page_with_lists_is_extracted_as_wikiextractor_does_from_both_sources():
    hidden = frozenset({"file", "image", "media", "category", "катэгорыя"})
    assert wikitext_to_lines(LIST_PAGE, hidden) == LIST_PAGE_LINES
    text = snapshot_text(LIST_PAGE)
    # the snapshot keeps the list items (marker stripped, space kept) and the category name
    assert " Шчара\n Вілія\n Гародня\n Заўвага пра прытокі." in text and text.endswith("Рэкі Беларусі")
    assert snapshot_body(text) == LIST_PAGE_LINES


def test_snapshot_shards_are_read_as_articles():
    (shard,) = (DATA / "wikipedia" / "20231101.be").iterdir()
    articles = list(iter_snapshot_articles([shard]))
    assert [a.id for a in articles] == ["101", "104", "105"]
    assert articles[2].lines == ("Нёман — рака ў Беларусі, Літве і Расіі. Даўжыня — 937 км.",)


def test_snapshot_without_text_column_is_an_input_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["1"], "title": ["t"]}), tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="text"):
        list(iter_snapshot_articles([tmp_path / "bad.parquet"]))


# --- size caps -----------------------------------------------------------------------------


def synthetic(n: int) -> list[Article]:
    return [Article(str(i), f"T{i}", (f"Сказ {i} першы. Сказ {i} другі {'і ' * (i % 5)}канец.",)) for i in range(n)]


def kept_ids(path) -> list[str]:
    return [doc[0].split()[1] for doc in read_documents(path)]


def test_caps_keep_a_seeded_subset_in_original_order(tmp_path):
    articles = synthetic(40)
    write_bert_corpus(articles, tmp_path / "a.txt", max_documents=6, seed=1)
    write_bert_corpus(articles, tmp_path / "b.txt", max_documents=6, seed=1)
    write_bert_corpus(articles, tmp_path / "c.txt", max_documents=3, seed=1)
    write_bert_corpus(articles, tmp_path / "d.txt", max_documents=6, seed=2)
    six = kept_ids(tmp_path / "a.txt")
    assert len(six) == 6 and six == sorted(six, key=int)
    assert six == kept_ids(tmp_path / "b.txt")
    assert set(kept_ids(tmp_path / "c.txt")) < set(six)
    assert kept_ids(tmp_path / "d.txt") != six

    stats = write_bert_corpus(articles, tmp_path / "e.txt", max_tokens=100, seed=1)
    assert 100 - 14 < stats.written_tokens <= 100
    assert stats.written_tokens == sum(len(line.split()) for doc in read_documents(tmp_path / "e.txt") for line in doc)
    assert (stats.articles, stats.documents) == (40, 40)
