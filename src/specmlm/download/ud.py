"""Universal Dependencies treebanks, one treebank per download, pinned to a release tag.

Files come one by one from the treebank's repository at the release tag (for UD v2.5 the
tag ``r2.5``), which is far smaller than the 300 MB release tarball. ``url`` is a template,
so a local copy of the release (the LINDAT tarball, unpacked) serves as a mirror:
``/data/ud-treebanks-v2.5/{treebank}/{file}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specmlm.download.plan import Entry, FetchOptions, Remote, fetch_remotes, provenance_sources
from specmlm.download.provenance import write_provenance

UD_URL = "https://raw.githubusercontent.com/UniversalDependencies/{treebank}/{tag}/{file}"
SPLITS = ("train", "dev", "test")


def ud_remotes(entry: Mapping[str, Any], where: str = "ud") -> list[Remote]:
    """The files of one treebank: ``{split}.conllu`` for each split, then LICENSE/README (optional).

    Entry keys: ``treebank`` (``UD_Belarusian-HSE``), ``code`` (file stem, ``be_hse``),
    ``tag`` (``r2.5``), ``url`` (template with ``{treebank}``, ``{tag}``, ``{file}``),
    ``extras`` (files copied as they are, ``[LICENSE.txt, README.md]``), ``sha256``
    (upstream file name -> hash).
    """
    config = Entry(entry, where)
    treebank, code = config.text("treebank"), config.text("code")
    tag, template = config.text("tag", "r2.5"), config.text("url", UD_URL)
    pins = config.table("sha256")
    extras = config.texts("extras", ("LICENSE.txt", "README.md"))

    def remote(upstream: str, name: str, optional: bool) -> Remote:
        url = template.format(treebank=treebank, tag=tag, file=upstream)
        return Remote(url, name, pins.get(upstream), optional=optional)

    splits = [remote(f"{code}-ud-{split}.conllu", f"{split}.conllu", False) for split in SPLITS]
    return splits + [remote(name, name, True) for name in extras]


def fetch_ud(
    entry: Mapping[str, Any], out_dir: str | Path, options: FetchOptions, where: str = "ud"
) -> dict[str, Path]:
    """Fetch one treebank into ``out_dir``: ``{train,dev,test}.conllu``, extras, SOURCE.json, LICENSE.md.

    Returns the split files by split name. Entry keys as :func:`ud_remotes`, plus
    ``licence`` and ``citation`` for the provenance record.
    """
    config = Entry(entry, where)
    dataset = f"Universal Dependencies {config.text('treebank')} ({config.text('tag', 'r2.5')})"
    licence, citation = config.text("licence"), config.text("citation")
    out_dir = Path(out_dir)
    remotes = ud_remotes(entry, where)
    fetched = fetch_remotes(remotes, out_dir, options)
    missing = sorted(remote.name for remote in remotes if remote not in fetched and remote.name)
    write_provenance(
        out_dir,
        dataset=dataset,
        sources=provenance_sources(fetched),
        licence=licence,
        citation=citation,
        details={"optional_files_missing": missing} if missing else None,
    )
    return {split: out_dir / f"{split}.conllu" for split in SPLITS}
