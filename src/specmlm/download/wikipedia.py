"""Wikipedia text for the unlabelled corpora: article extraction, then the paper's BERT format.

Two inputs give :class:`Article` records (an id, a title and the body as one paragraph per
line, the shape WikiExtractor writes):

- a dated dump, ``{wiki}-{date}-pages-articles.xml.bz2``, streamed page by page; the wikitext
  is parsed with ``mwparserfromhell`` and reduced to plain text the way WikiExtractor does it
  (templates, references, tables, files and categories dropped; links reduced to their text;
  lists and indented lines dropped; a section heading kept as ``Heading.`` only when text
  follows it);
- a published extracted snapshot, the Hugging Face dataset ``wikimedia/wikipedia``
  (``{date}.{lang}/train-*.parquet``, columns ``id``, ``title``, ``text``), whose text is
  already plain but keeps list items, bare headings and trailing category names; they are
  brought into WikiExtractor's shape by the same rules (:func:`snapshot_body`).

:func:`bert_sentences` then applies the authors' ``wikiextractor_to_bert_format.py`` rules line
by line, and :func:`write_bert_corpus` writes the documents (optionally a seeded subset under
a token or document cap) in BERT format: one sentence a line, a blank line between documents.
"""

from __future__ import annotations

import bz2
import hashlib
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import mwparserfromhell
import pyarrow.parquet as pq
from mwparserfromhell.nodes import ExternalLink, Heading, HTMLEntity, Node, Tag, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from specmlm.errors import InputError
from specmlm.formats.text import write_documents


@dataclass(frozen=True)
class Article:
    """One article: the body holds one paragraph per line, without the title."""

    id: str
    title: str
    lines: tuple[str, ...]


# --- dumps -----------------------------------------------------------------------------------

# Links into these namespaces show no text in the article (images, category tags). The dump's
# siteinfo adds each wiki's local names for them (``Файл``, ``Катэгорыя``, ...).
HIDDEN_LINK_NAMESPACES = frozenset({"media", "file", "image", "category"})
HIDDEN_NAMESPACE_KEYS = frozenset({"-2", "6", "14"})


def iter_dump_articles(path: str | Path) -> Iterator[Article]:
    """Stream the main-namespace, non-redirect articles of a MediaWiki XML dump (.xml or .xml.bz2)."""
    path = Path(path)
    opener = bz2.open if path.suffix == ".bz2" else open
    hidden = set(HIDDEN_LINK_NAMESPACES)
    try:
        with opener(path, "rb") as handle:
            events = ET.iterparse(handle, events=("start", "end"))
            _, root = next(events)
            for event, element in events:
                if event != "end":
                    continue
                tag = _local_name(element.tag)
                if tag == "namespace" and element.get("key") in HIDDEN_NAMESPACE_KEYS and element.text:
                    hidden.add(element.text.strip().casefold())
                elif tag == "page":
                    article = _page_article(path, element, frozenset(hidden))
                    root.clear()
                    if article is not None:
                        yield article
    except ET.ParseError as err:
        raise InputError(path, err.position[0], f"malformed dump XML: {err}") from None
    except (EOFError, OSError) as err:
        raise InputError(path, None, f"cannot read the dump (truncated, or not bz2-compressed XML?): {err}") from None


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in element if _local_name(child.tag) == name), None)


def _page_article(path: Path, page: ET.Element, hidden: frozenset[str]) -> Article | None:
    namespace, redirect = _child(page, "ns"), _child(page, "redirect")
    if namespace is None or namespace.text != "0" or redirect is not None:
        return None
    title, page_id, revision = _child(page, "title"), _child(page, "id"), _child(page, "revision")
    text = None if revision is None else _child(revision, "text")
    if title is None or page_id is None or text is None:
        raise InputError(path, None, "a <page> lacks <title>, <id> or <revision><text>; expected a pages-articles dump")
    return Article(page_id.text or "", title.text or "", tuple(wikitext_to_lines(text.text or "", hidden)))


# --- wikitext -> plain text --------------------------------------------------------------------

# Tags whose content is not running text (notes, tables, formulas, galleries, markup helpers).
DROPPED_TAGS = frozenset(
    {
        "ref", "references", "table", "gallery", "math", "chem", "ce", "score", "timeline", "imagemap",
        "graph", "mapframe", "maplink", "templatestyles", "syntaxhighlight", "source", "pre", "hiero",
        "inputbox", "categorytree", "noinclude", "indicator",
    }
)  # fmt: skip
# List items and definition lines written with wiki markup (* # ; :); compact() drops their lines.
LIST_TAGS = frozenset({"li", "dt", "dd"})
MAGIC_WORD = re.compile(r"__[A-Z]+__")
EMPTY_PARENS = re.compile(r"\(\s*[,;:\-–]*\s*\)")
SPACES = re.compile(r"[ \t\u00a0\u2009\u200b]+")
SPACE_BEFORE = re.compile(r" ([,:.)\]»])")
SPACE_AFTER = re.compile(r"([\[(«]) ")
SECTION = re.compile(r"^(=+)\s*(.*?)\s*\1$")


def wikitext_to_lines(wikitext: str, hidden_namespaces: frozenset[str] = HIDDEN_LINK_NAMESPACES) -> list[str]:
    """Plain text of an article body, one paragraph per line, as WikiExtractor would write it."""
    text = _render(mwparserfromhell.parse(wikitext), hidden_namespaces)
    text = MAGIC_WORD.sub("", text)
    return compact(_clean(line) for line in text.split("\n"))


def _render(code: Wikicode | None, hidden: frozenset[str]) -> str:
    if code is None:
        return ""
    return "".join(RENDERERS.get(type(node), _invisible)(node, hidden) for node in code.nodes)


def _invisible(node: Node, hidden: frozenset[str]) -> str:
    """Templates, comments and template parameters show no text of their own."""
    return ""


def _render_heading(node: Heading, hidden: frozenset[str]) -> str:
    marks = "=" * node.level
    return f"\n{marks} {_render(node.title, hidden).strip()} {marks}\n"


def _render_link(node: Wikilink, hidden: frozenset[str]) -> str:
    title = str(node.title).strip()
    namespace, colon, _ = title.partition(":")
    if colon and not title.startswith(":") and namespace.strip().casefold() in hidden:
        return ""
    return _render(node.text, hidden) if node.text is not None else title.lstrip(":")


def _render_tag(node: Tag, hidden: frozenset[str]) -> str:
    name = str(node.tag).strip().lower()
    if name in DROPPED_TAGS:
        return ""
    if name in LIST_TAGS and node.wiki_markup:
        return str(node.wiki_markup)
    if name == "br":
        return " "
    return _render(node.contents, hidden)


RENDERERS: dict[type, Callable[..., str]] = {
    Text: lambda node, hidden: node.value,
    HTMLEntity: lambda node, hidden: node.normalize(),
    Heading: _render_heading,
    Wikilink: _render_link,
    ExternalLink: lambda node, hidden: _render(node.title, hidden),
    Tag: _render_tag,
}


def _clean(line: str) -> str:
    line = EMPTY_PARENS.sub("", line)
    line = SPACES.sub(" ", line).strip()
    line = SPACE_AFTER.sub(r"\1", SPACE_BEFORE.sub(r"\1", line))
    return line.replace(",,", ",").replace(",.", ".")


def compact(lines: Iterable[str]) -> list[str]:
    """WikiExtractor's page compaction: drop lists, indents and table residue; keep a section
    heading (as ``Heading.``) only when text follows it."""
    page: list[str] = []
    headings: dict[int, str] = {}
    for line in lines:
        if not line:
            continue
        match = SECTION.match(line)
        if match:
            level, title = len(match.group(1)), match.group(2)
            if title and title[-1] not in "!?":
                title += "."
            headings = {lev: text for lev, text in headings.items() if lev < level}
            headings[level] = title
            continue
        if _dropped_by_compact(line):
            continue
        page.extend(text for _, text in sorted(headings.items()) if text)
        headings = {}
        page.append(line)
    return page


# --- published snapshot ---------------------------------------------------------------------

SNAPSHOT_COLUMNS = ("id", "title", "text")


def iter_snapshot_articles(paths: Sequence[str | Path]) -> Iterator[Article]:
    """Articles of a ``wikimedia/wikipedia`` snapshot, shard by shard (parquet, id/title/text)."""
    for path in paths:
        shard = pq.ParquetFile(path)
        missing = set(SNAPSHOT_COLUMNS) - set(shard.schema_arrow.names)
        if missing:
            raise InputError(path, None, f"expected columns {list(SNAPSHOT_COLUMNS)}, missing {sorted(missing)}")
        for batch in shard.iter_batches(batch_size=256, columns=list(SNAPSHOT_COLUMNS)):
            ids, titles, texts = (batch.column(name).to_pylist() for name in SNAPSHOT_COLUMNS)
            for page_id, title, text in zip(ids, titles, texts, strict=True):
                yield Article(str(page_id), title or "", tuple(snapshot_body(text or "")))


SENTENCE_END = (".", "!", "?", "…", "۔", "؟", "։", "।")
CLOSERS = "\"'»”’)]"


def snapshot_body(text: str) -> list[str]:
    """A snapshot article's lines as WikiExtractor writes them.

    The snapshot is ``mwparserfromhell``'s ``strip_code`` of each section, stripped, the sections
    joined by a blank line. So a list item or an indented line keeps the space after its
    stripped marker (``* item`` gives `` item``), a heading is the bare first line of a block,
    and the article ends with its category names. WikiExtractor, as the paper ran it, drops
    list items, indented and preformatted lines, writes a heading as ``Heading.`` (``!`` and
    ``?`` kept) only when text follows it, and writes every text line unchanged. Here a line
    that starts with a space is a dropped list or indented line; a line without a
    sentence-final mark that opens a block (after a blank line, never the lead's first line)
    is a heading; the lines without a sentence-final mark at the end are the categories. The
    snapshot has no heading levels, so every heading since the last text line is kept (as
    WikiExtractor does for nested headings; of two empty sections at one level it keeps the
    last only).
    """
    lines = text.split("\n")
    while lines and not _ends_sentence(lines[-1]):
        lines.pop()
    page: list[str] = []
    headings: list[str] = []
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or raw[0].isspace():
            continue
        if index > 0 and not lines[index - 1].strip() and not _ends_sentence(line):
            headings.append(line if line[-1] in "!?" else line + ".")
            continue
        if _dropped_by_compact(line):
            continue
        page.extend(headings)
        headings = []
        page.append(line)
    return page


def _dropped_by_compact(line: str) -> bool:
    """WikiExtractor's residue rule: table and template leftovers, bracketed or dash-only lines."""
    return line[0] in "*#;:{|" or line[-1] == "}" or (line[0] == "(" and line[-1] == ")") or not line.strip(".-")


def _ends_sentence(line: str) -> bool:
    return line.strip().rstrip(CLOSERS).endswith(SENTENCE_END)


# --- the paper's BERT format -----------------------------------------------------------------

SKIPPED_PREFIXES = ("=", "[[", "<", "&lt;")
PUNCTUATION = re.compile(r" *(,|\"|'|:|;|/|\?|!|؟|،|«|»|‹|›|¿|¡|—) *")


def bert_sentences(line: str, eos: str = ".", detach_trailing_run: bool = True) -> list[str]:
    """One body line in the authors' BERT format: a list of sentences, each with its stop.

    The line is skipped if it starts with ``=``, ``[[``, ``<`` or ``&lt;``; ``<br>`` is
    removed; sentences are split at ``eos`` + space (``۔ `` for Urdu) and all but the last
    get ``eos`` back; with ``detach_trailing_run`` the trailing run of identical characters
    is split off with a space (meant for the final stop or ``...``; it also splits off the
    last letter of a sentence without a stop, as the released script did); spaces go around
    ``, " ' : ; / ? ! ؟ ، « » ‹ › ¿ ¡ —``. Outer spaces are stripped.
    """
    line = line.strip()
    if not line or line.startswith(SKIPPED_PREFIXES):
        return []
    pieces = line.replace("<br>", "").split(f"{eos} ")
    sentences = []
    for index, piece in enumerate(pieces):
        sentence = piece.strip()
        if not sentence:
            continue
        if index != len(pieces) - 1:
            sentence += eos
        if detach_trailing_run:
            sentence = _detach_trailing_run(sentence)
        sentences.append(PUNCTUATION.sub(r" \1 ", sentence).strip())
    return sentences


def _detach_trailing_run(sentence: str) -> str:
    for j in range(len(sentence) - 2, -1, -1):
        if sentence[j] != sentence[j + 1]:
            return f"{sentence[: j + 1]} {sentence[j + 1 :]}"
    return sentence


def bert_document(article: Article, eos: str = ".", detach_trailing_run: bool = True) -> list[str]:
    """All sentences of an article's body (the title line is never part of it)."""
    return [s for line in article.lines for s in bert_sentences(line, eos, detach_trailing_run)]


@dataclass
class CorpusStats:
    articles: int = 0
    documents: int = 0  # articles with at least two sentences
    written_documents: int = 0
    written_sentences: int = 0
    written_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def write_bert_corpus(
    articles: Iterable[Article],
    out: str | Path,
    *,
    eos: str = ".",
    detach_trailing_run: bool = True,
    max_tokens: int | None = None,
    max_documents: int | None = None,
    seed: int = 13370,
) -> CorpusStats:
    """Write every article with at least two sentences to ``out`` in BERT format.

    With ``max_tokens`` (whitespace tokens) or ``max_documents``, a seeded subset is kept:
    documents are ranked by a hash of (seed, article id), taken in that order until the next
    one would pass a cap, and written in their original order. The ranking depends only on
    the seed and the ids, so the same seed keeps the same documents whatever the cap.
    """
    stats = CorpusStats()
    documents = _documents(articles, eos, detach_trailing_run, stats)
    if max_tokens is None and max_documents is None:
        write_documents(out, _written(stats, (sentences for _, sentences in documents)))
        return stats
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out.parent, prefix=f".{out.name}.") as spool:
        index = _spool(documents, spool, seed)
        chosen = _choose(index, max_tokens, max_documents)
        write_documents(out, _written(stats, _unspool(spool, chosen)))
    return stats


def _documents(
    articles: Iterable[Article], eos: str, detach: bool, stats: CorpusStats
) -> Iterator[tuple[str, list[str]]]:
    """(id, sentences) of every article with at least two sentences (shorter ones are stubs)."""
    for article in articles:
        stats.articles += 1
        sentences = bert_document(article, eos, detach)
        if len(sentences) > 1:
            stats.documents += 1
            yield article.id, sentences


def _written(stats: CorpusStats, documents: Iterable[list[str]]) -> Iterator[list[str]]:
    for sentences in documents:
        stats.written_documents += 1
        stats.written_sentences += len(sentences)
        stats.written_tokens += _tokens(sentences)
        yield sentences


def _tokens(sentences: Sequence[str]) -> int:
    return sum(len(sentence.split()) for sentence in sentences)


def _rank(seed: int, article_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\0{article_id}".encode()).digest()[:8], "big")


def _spool(documents: Iterable[tuple[str, list[str]]], spool: IO[bytes], seed: int) -> list[tuple[int, int, int, int]]:
    """Write the documents to ``spool``; return (rank, offset, size, tokens) for each."""
    index = []
    for position, (article_id, sentences) in enumerate(documents):
        data = "\n".join(sentences).encode("utf-8")
        index.append((_rank(seed, article_id), position, spool.tell(), len(data), _tokens(sentences)))
        spool.write(data)
    return [(rank, offset, size, tokens) for rank, _, offset, size, tokens in sorted(index)]


def _choose(
    ranked: Sequence[tuple[int, int, int, int]], max_tokens: int | None, max_documents: int | None
) -> list[tuple[int, int]]:
    """(offset, size) of the documents kept, in file order: best-ranked first until a cap."""
    chosen: list[tuple[int, int]] = []
    tokens = 0
    for _, offset, size, count in ranked:
        if max_documents is not None and len(chosen) >= max_documents:
            break
        if max_tokens is not None and tokens + count > max_tokens:
            break
        chosen.append((offset, size))
        tokens += count
    return sorted(chosen)


def _unspool(spool: IO[bytes], chosen: Sequence[tuple[int, int]]) -> Iterator[list[str]]:
    for offset, size in chosen:
        spool.seek(offset)
        yield spool.read(size).decode("utf-8").split("\n")
