"""Where each raw file of a language comes from, as plain source specs for the fetch stage.

A spec is a small dict (``kind`` plus what that kind needs), so the download rules stay one
code path: the config decides whether a file is a URL, a local path, a WikiAnn language or a
Wikipedia edition, and :func:`specmlm.download.fetch_source` acts on the spec.
"""

from __future__ import annotations

from typing import Any

SPLIT_NAMES = {"train": "train", "dev": "dev", "test": "test"}


def _file(location: str, sha256: str | None) -> dict[str, Any]:
    return {"kind": "file", "location": location, "sha256": sha256}


def ud_source(entry: dict[str, Any], split: str) -> dict[str, Any]:
    ud = entry["ud"]
    return _file(ud["files"][split], ud.get("sha256", {}).get(split))


def ner_source(entry: dict[str, Any], split: str) -> dict[str, Any]:
    ner = entry["ner"]
    if "wikiann" in ner:
        return {"kind": "wikiann", "language": ner["wikiann"], "split": split}
    return _file(ner["files"][split], ner.get("sha256", {}).get(split))


def text_sources(entry: dict[str, Any]) -> list[dict[str, Any]]:
    text = entry["text"]
    if "wikipedia" in text:
        return [{"kind": "wikipedia", "language": text["wikipedia"], "sentence_end": entry.get("sentence_end", ".")}]
    return [_file(location, None) for location in text["files"]]


def text_format(entry: dict[str, Any]) -> str:
    """The format of the fetched text files: Wikipedia arrives already in BERT format."""
    fmt = entry["text"]["format"]
    return "bert" if fmt == "wikipedia" else fmt


def ner_format(entry: dict[str, Any]) -> str:
    return entry["ner"]["format"]
