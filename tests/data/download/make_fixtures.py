"""Rebuild the binary fixtures of tests/test_download.py and tests/test_wikipedia.py from text.

Run from the repository root: ``.venv/bin/python tests/data/download/make_fixtures.py``.
Sources: ``ud/`` (first two sentences of each UD_Belarusian-HSE r2.5 split), ``wikiann/be-rahimi``
(the WikiAnn be dummy split of the old ``datasets`` repository), ``wikipedia/*.xml`` (a dump
written by hand in the MediaWiki export-0.11 format). The UD excerpt is CC BY-SA 4.0 (see its
LICENSE.txt); the WikiAnn sample comes from huggingface/datasets (Apache-2.0 repository).
"""

from __future__ import annotations

import bz2
import io
import tarfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, Dataset, Features, Sequence, Value

HERE = Path(__file__).parent
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
SPLITS = {"train": "train", "dev": "validation", "test": "test"}
MTIME = 1_700_000_000


def wikiann_rows(path: Path) -> dict[str, list]:
    """Parse a WikiAnn file the way the ``datasets`` wikiann loading script did."""
    rows: dict[str, list] = {"tokens": [], "ner_tags": [], "langs": [], "spans": []}
    tokens: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n") + [""]:
        if not line:
            if tokens:
                rows["tokens"].append(tokens)
                rows["ner_tags"].append([TAGS.index(tag) for tag in tags])
                rows["langs"].append(["be"] * len(tokens))
                rows["spans"].append([])
                tokens, tags = [], []
            continue
        token, tag = line.split("\t")
        tokens.append(token.split(":", 1)[1])
        tags.append(tag)
    return rows


def make_wikiann() -> None:
    features = Features(
        {
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=TAGS)),
            "langs": Sequence(Value("string")),
            "spans": Sequence(Value("string")),
        }
    )
    for split, hf_split in SPLITS.items():
        out = HERE / "wikiann" / "be" / f"{hf_split}-00000-of-00001.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        Dataset.from_dict(wikiann_rows(HERE / "wikiann" / "be-rahimi" / split), features=features).to_parquet(out)
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for split in SPLITS:
            add_file(tar, split, (HERE / "wikiann" / "be-rahimi" / split).read_bytes())
    with zipfile.ZipFile(HERE / "wikiann" / "panx_dataset.zip", "w") as zf:
        info = zipfile.ZipInfo("be.tar.gz", date_time=(2019, 5, 1, 0, 0, 0))
        zf.writestr(info, inner.getvalue())


def make_wikipedia() -> None:
    xml = HERE / "wikipedia" / "bewiki-20231101-pages-articles.xml"
    (xml.parent / (xml.name + ".bz2")).write_bytes(bz2.compress(xml.read_bytes()))
    rows = {
        "id": ["101", "104", "105"],
        "url": [f"https://be.wikipedia.org/wiki?curid={i}" for i in (101, 104, 105)],
        "title": ["Мінск", "Гродна", "Нёман"],
        "text": [
            "Мінск — сталіца і найбуйнейшы горад Беларусі. Горад стаіць на рацэ Свіслач.\n\n"
            "Гісторыя\nМінск упершыню згадваецца ў 1067 годзе. Ён рос... хутка!\n\nГарады Беларусі",
            "Гродна — горад на захадзе Беларусі.",
            "Нёман — рака ў Беларусі, Літве і Расіі. Даўжыня — 937 км.\n\n\n",
        ],
    }
    out = HERE / "wikipedia" / "20231101.be" / "train-00000-of-00001.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), out)


def add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), MTIME
    tar.addfile(info, io.BytesIO(data))


def make_unsafe() -> None:
    """A tar.gz with a safe member, a path-traversal member and a symlink pointing out."""
    out = HERE / "unsafe" / "evil.tar.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        add_file(tar, "data/ok.txt", b"fine\n")
        add_file(tar, "../escaped.txt", b"should never be written\n")
        link = tarfile.TarInfo("data/passwd")
        link.type, link.linkname, link.mtime = tarfile.SYMTYPE, "../../../../etc/passwd", MTIME
        tar.addfile(link)


if __name__ == "__main__":
    make_wikiann()
    make_wikipedia()
    make_unsafe()
