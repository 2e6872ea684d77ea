"""Where a dataset directory came from: ``SOURCE.json`` for tools, ``LICENSE.md`` for people.

Every directory the download stage writes carries the URLs it was built from, the SHA-256
of each file, the licence and the citation the config gives, so results can be traced and
redistributed correctly (several of the study's datasets are non-commercial or share-alike).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specmlm.atomic import write_json, write_text


def write_provenance(
    directory: str | Path,
    *,
    dataset: str,
    sources: Mapping[str, Mapping[str, str]],
    licence: str,
    citation: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write ``SOURCE.json`` and ``LICENSE.md`` into ``directory``.

    ``sources`` maps each file written to ``{"url": ..., "sha256": ...}`` (the URL or path
    it was obtained from and the hash of what was obtained); ``details`` holds anything else
    worth keeping (counts, settings of a conversion).
    """
    directory = Path(directory)
    record = {
        "dataset": dataset,
        "licence": licence,
        "citation": citation,
        "files": {name: dict(entry) for name, entry in sorted(sources.items())},
        **({"details": dict(details)} if details else {}),
    }
    write_json(directory / "SOURCE.json", record)
    urls = sorted({entry["url"] for entry in sources.values()})
    lines = [
        f"# {dataset}",
        "",
        f"**Licence:** {licence}",
        "",
        "**Source:**",
        "",
        *[f"- <{url}>" if "://" in url else f"- `{url}`" for url in urls],
        "",
        "**Cite:**",
        "",
        "```",
        citation.strip(),
        "```",
        "",
        "Files and their SHA-256 are listed in `SOURCE.json`. This directory was written by",
        "`specmlm.download`; the licence above is the one the study's config states for the",
        "dataset: check the upstream terms before redistributing.",
        "",
    ]
    write_text(directory / "LICENSE.md", "\n".join(lines))
