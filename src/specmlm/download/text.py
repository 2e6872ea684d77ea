"""Unlabelled Wikipedia text for one language, cleaned into the paper's BERT format.

Two sources (``source`` in the entry):

- ``hf-snapshot`` (default): the extracted snapshot ``wikimedia/wikipedia`` on the Hugging
  Face hub, ``{snapshot}.{lang}/train-0000i-of-0000n.parquet`` (``shards`` = n). Permanent
  and checksummed by the hub, so the study is reproducible years later.
- ``wikipedia-dump``: a dated dump ``{wiki}-{date}-pages-articles.xml.bz2`` as the paper used,
  extracted by :mod:`specmlm.download.wikipedia`. dumps.wikimedia.org keeps only recent dates, so
  ``mirrors`` (templates like ``url``) are tried after it (default: the Internet Archive).

Either way the result is ``corpus.txt``: every article of at least two sentences, one
sentence a line, a blank line between documents, optionally capped (seeded) in tokens or
documents. The train/valid/test split and the leakage filter belong to the prepare stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from specmlm.download.plan import Entry, FetchOptions, Remote, fetch_remotes, provenance_sources
from specmlm.download.provenance import write_provenance
from specmlm.errors import InputError
from specmlm.download.wikipedia import Article, iter_dump_articles, iter_snapshot_articles, write_bert_corpus

HF_ENDPOINT = "https://huggingface.co"
SNAPSHOT_REPO = "wikimedia/wikipedia"
DUMP_URL = "https://dumps.wikimedia.org/{wiki}/{date}/{wiki}-{date}-pages-articles.xml.bz2"
DUMP_MIRRORS = ("https://archive.org/download/{wiki}-{date}/{wiki}-{date}-pages-articles.xml.bz2",)
CORPUS = "corpus.txt"


def _snapshot_remotes(config: Entry, lang: str) -> list[Remote]:
    endpoint = config.text("endpoint", HF_ENDPOINT).rstrip("/")
    repo, revision = config.text("repo", SNAPSHOT_REPO), config.text("revision", "main")
    snapshot, shards = config.text("snapshot", "20231101"), config.number("shards", 1, minimum=1)
    pins = config.table("sha256")
    files = [f"{snapshot}.{lang}/train-{i:05d}-of-{shards:05d}.parquet" for i in range(shards)]
    return [Remote(f"{endpoint}/datasets/{repo}/resolve/{revision}/{file}", None, pins.get(file)) for file in files]


def _dump_remotes(config: Entry, lang: str) -> list[Remote]:
    fields = {"wiki": config.text("wiki", f"{lang}wiki"), "date": config.text("date")}
    url = config.text("url", DUMP_URL).format(**fields)
    mirrors = tuple(m.format(**fields) for m in config.texts("mirrors", DUMP_MIRRORS))
    return [Remote(url, None, config.table("sha256").get(url.rsplit("/", 1)[-1]), mirrors)]


def _dump_articles(paths: list[Path]) -> Iterator[Article]:
    (dump,) = paths
    return iter_dump_articles(dump)


SOURCES: dict[str, tuple[Callable[[Entry, str], list[Remote]], Callable[[list[Path]], Iterator[Article]]]] = {
    "hf-snapshot": (_snapshot_remotes, iter_snapshot_articles),
    "wikipedia-dump": (_dump_remotes, _dump_articles),
}


def text_remotes(entry: Mapping[str, Any], where: str = "text") -> list[Remote]:
    """The files one language's corpus is built from (cache only).

    Entry keys: ``lang``; ``source`` (``hf-snapshot`` or ``wikipedia-dump``); for hf-snapshot
    ``snapshot`` (``20231101``), ``shards``, ``repo``, ``revision``, ``endpoint``; for
    wikipedia-dump ``date``, ``wiki`` (``{lang}wiki``), ``url``, ``mirrors``; ``sha256``
    (snapshot file path, or dump file name -> hash).
    """
    config = Entry(entry, where)
    remotes, _ = SOURCES[config.pick("source", SOURCES, "hf-snapshot")]
    return remotes(config, config.text("lang"))


def fetch_text(entry: Mapping[str, Any], out_dir: str | Path, options: FetchOptions, where: str = "text") -> Path:
    """Fetch and clean one language's Wikipedia text into ``out_dir/corpus.txt``; return its path.

    Entry keys as :func:`text_remotes`, plus ``eos`` (sentence stop, ``.``; ``۔`` for
    Urdu), ``detach_trailing_run`` (true, as the paper), ``max_tokens`` / ``max_documents``
    (caps, none by default), ``seed`` (for the capped subset), ``licence``, ``citation``.
    """
    config = Entry(entry, where)
    source = config.pick("source", SOURCES, "hf-snapshot")
    settings = {
        "eos": config.text("eos", "."),
        "detach_trailing_run": config.flag("detach_trailing_run", True),
        "max_tokens": config.count("max_tokens"),
        "max_documents": config.count("max_documents"),
        "seed": config.number("seed", 13370),
    }
    dataset = f"Wikipedia text, {config.text('lang')} ({source}), BERT format"
    licence, citation = config.text("licence"), config.text("citation")
    remotes = text_remotes(entry, where)
    fetched = fetch_remotes(remotes, None, options)
    paths = [fetched[remote].path for remote in remotes]
    corpus = Path(out_dir) / CORPUS
    stats = write_bert_corpus(SOURCES[source][1](paths), corpus, **settings)
    if stats.written_documents == 0:
        corpus.unlink()
        raise InputError(paths[0], None, f"no article of two or more sentences in {stats.articles} articles read")
    write_provenance(
        corpus.parent,
        dataset=dataset,
        sources=provenance_sources(fetched),
        licence=licence,
        citation=citation,
        details={"settings": settings, "counts": stats.as_dict()},
    )
    return corpus
